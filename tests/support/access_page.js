// Runs the access matrix page's inline script under Node with a minimal stand-in for the DOM (no browser in CI):
// draws the grid, clicks one cell, filters. Used by tests/test_access_matrix.py.
// Usage: node access_page.js index.html ACCOUNT GROUP FILTER
const fs = require("fs");
const page = fs.readFileSync(process.argv[2], "utf8");
const data = page.match(/<script id="data" type="application\/json">([\s\S]*?)<\/script>/)[1];
const code = page.match(/<script>([\s\S]*?)<\/script>/)[1];
const els = {};
function el(id) {
  return els[id] ||= { id, value: "", textContent: id === "data" ? data : "", innerHTML: "", dataset: {},
    append(o) { this.options = (this.options || []).concat(o); if (!this.value) this.value = o.textContent; } };
}
const tds = [];
global.document = {
  getElementById: el,
  createElement: () => ({ textContent: "" }),
  querySelectorAll: () => {
    const out = [];
    const re = /<td class='g[^']*' data-a='([^']*)' data-g='([^']*)'>/g; let m;
    while ((m = re.exec(els.grid.innerHTML))) out.push({ dataset: { a: m[1], g: m[2] } });
    tds.length = 0; tds.push(...out); return out;
  },
};
eval(code);
console.log("cells", tds.length);
const [account, group, filter] = process.argv.slice(3);
tds.find((t) => t.dataset.a === account && t.dataset.g === group).onclick();
console.log(els.detail.innerHTML);
els.filter.value = filter; els.filter.oninput();
console.log("filtered cells", tds.length);
