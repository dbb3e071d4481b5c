"""The documentation renders as written: every Markdown page git tracks is parsed with markdown-it-py (CommonMark
with GitHub's tables) and checked for the damage that is easy to make and hard to see in a diff:

- a code fence that is never closed (everything after it renders as code);
- a heading inside a fenced block (`## ...`: a heading the fence swallowed; shell and YAML comments use one `#`);
- a table row outside a table (a paragraph of `| ... |` lines: rows cut off from their table);
- the same first cell twice in one table (a row pasted twice);
- a relative link to a file, or a heading anchor, that does not exist.

Each rule is shown to fail on a small broken page, then the whole repository is checked. The generated config
reference (docs/config-reference.md, `make docs`) must equal what config/reference.py renders from the models.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from config.reference import REFERENCE_FILE, reference_text, undescribed_fields
from tests.support.project import ROOT, tracked_files

# Fences labelled as Markdown show Markdown on purpose; headings in them are content, not damage.
MARKDOWN_FENCE_INFO = {"markdown", "md"}
SWALLOWED_HEADING = re.compile(r"^#{2,6} \S")
TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:|^//")


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int  # 1-based
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def parser() -> MarkdownIt:
    """CommonMark plus the GitHub extensions our pages use (tables, strikethrough)."""
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _strip_container(line: str) -> str:
    """A source line without blockquote markers and indentation (list items indent their fences)."""
    return re.sub(r"^[\s>]*", "", line)


def _first_line(token: Token) -> int:
    return token.map[0] if token.map else 0


# --- the rules ---------------------------------------------------------------------------------------------------


def _fence_findings(token: Token, lines: list[str]) -> Iterator[tuple[int, str]]:
    start, end = token.map or (0, 0)
    marker = token.markup
    last = _strip_container(lines[end - 1]) if end - 1 < len(lines) else ""
    closed = end - start >= 2 and re.fullmatch(rf"{re.escape(marker[0])}{{{len(marker)},}}\s*", last) is not None
    if not closed:
        yield start, f"code fence {marker}{token.info} is never closed: everything after it renders as code"
    if token.info.strip().lower() in MARKDOWN_FENCE_INFO:
        return
    for offset, content_line in enumerate(token.content.splitlines()):
        if SWALLOWED_HEADING.match(content_line):
            yield (
                start + 1 + offset,
                f"heading {content_line.strip()!r} inside a code fence (opened at line {start + 1})",
            )


def _paragraph_findings(inline: Token) -> Iterator[tuple[int, str]]:
    for offset, content_line in enumerate(inline.content.splitlines()):
        if TABLE_ROW.match(content_line):
            yield _first_line(inline) + offset, "table row outside a table (renders as plain text)"


def _table_findings(tokens: list[Token], start: int) -> Iterator[tuple[int, str]]:
    """Rows of the table opened at tokens[start] whose first cell repeats an earlier row's."""
    seen: dict[str, int] = {}
    in_body = False
    index = start
    while tokens[index].type != "table_close":
        token = tokens[index]
        if token.type == "tbody_open":
            in_body = True
        elif in_body and token.type == "tr_open":
            first_cell = tokens[index + 2]  # tr_open, td_open, inline
            line = _first_line(token)
            key = first_cell.content.strip()
            if key in seen:
                yield line, f"duplicate table row {key!r} (first at line {seen[key] + 1})"
            else:
                seen[key] = line
        index += 1


def heading_text(inline: Token) -> str:
    return "".join(child.content for child in inline.children or [] if child.type in ("text", "code_inline"))


def anchors(tokens: list[Token]) -> set[str]:
    """GitHub's heading anchors: lowercase, punctuation dropped, spaces as hyphens, repeats numbered -1, -2, ..."""
    found: set[str] = set()
    counts: dict[str, int] = {}
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        slug = re.sub(r"[^\w\- ]", "", heading_text(tokens[index + 1]).strip().lower()).replace(" ", "-")
        count = counts.get(slug, 0)
        counts[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def _links(inline: Token) -> Iterator[str]:
    for child in inline.children or []:
        if child.type == "link_open":
            yield str(child.attrs.get("href", ""))
        elif child.type == "image":
            yield str(child.attrs.get("src", ""))


def _link_line(href: str, inline: Token, lines: list[str]) -> int:
    start, end = inline.map or (0, 1)
    return next((number for number in range(start, end) if href in lines[number]), start)


class Site:
    """The pages and the files they may link to: `pages` maps each Markdown path to its text, `files` lists every
    tracked file (paths relative to the repository root, with `/`)."""

    def __init__(self, pages: Mapping[str, str], files: Collection[str]) -> None:
        self.pages = dict(pages)
        self.files = set(files) | set(pages)
        self.folders = {str(parent) for path in self.files for parent in PurePosixPath(path).parents}
        self._tokens: dict[str, list[Token]] = {}

    def tokens(self, path: str) -> list[Token]:
        if path not in self._tokens:
            self._tokens[path] = parser().parse(self.pages[path])
        return self._tokens[path]

    def _link_problem(self, page: str, href: str) -> str | None:
        if not href or URL_SCHEME.match(href):
            return None
        target, _, anchor = href.partition("#")
        if target:
            resolved = PurePosixPath(page).parent / target.split("?")[0]
            normal = _normalize(resolved)
            if normal is None or (normal not in self.files and normal not in self.folders):
                return f"link to {href}: {target} does not exist"
        else:
            normal = page
        if anchor and normal in self.pages and anchor not in anchors(self.tokens(normal)):
            return f"link to {href}: no heading with anchor #{anchor} in {normal}"
        return None

    def check(self, path: str) -> list[Finding]:
        lines = self.pages[path].splitlines()
        tokens = self.tokens(path)
        found: list[tuple[int, str]] = []
        for index, token in enumerate(tokens):
            if token.type == "fence":
                found += _fence_findings(token, lines)
            elif token.type == "paragraph_open":
                found += _paragraph_findings(tokens[index + 1])
            elif token.type == "table_open":
                found += _table_findings(tokens, index)
            elif token.type == "inline":
                for href in _links(token):
                    problem = self._link_problem(path, href)
                    if problem:
                        found.append((_link_line(href, token, lines), problem))
        return sorted(Finding(path, line + 1, message) for line, message in found)

    def check_all(self) -> list[Finding]:
        return [finding for path in sorted(self.pages) for finding in self.check(path)]


def _normalize(path: PurePosixPath) -> str | None:
    """`docs/../README.md` -> `README.md`; None when the path leaves the repository."""
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part not in (".", ""):
            parts.append(part)
    return "/".join(parts) if parts else "."


def findings_in(text: str, path: str = "page.md", files: Collection[str] = (), **pages: str) -> list[str]:
    """Check one page (with other pages and tracked files it may link to); findings as text."""
    site = Site({path: text, **{f"{name}.md": body for name, body in pages.items()}}, files)
    return [str(finding) for finding in site.check(path)]


def tracked_site() -> Site:
    pages = {path: (ROOT / path).read_text(encoding="utf-8") for path in tracked_files("*.md")}
    return Site(pages, tracked_files())


# --- each rule fails on a broken page ----------------------------------------------------------------------------

CLEAN_PAGE = """\
# Title

## Usage

```sh
make synth   # a shell comment
```

| stack | holds |
|---|---|
| `LogArchive-<name>` | buckets |
| `Baseline-<name>-<region>` | the baseline |

See [usage](#usage), [the other page](other.md#details), [a folder](config/) and [AWS](https://aws.amazon.com/).

- A list item with a fence:

  ```yaml
  key: value   # a YAML comment
  ```
"""


def test_a_clean_page_has_no_findings() -> None:
    assert findings_in(CLEAN_PAGE, other="# Other\n\n## Details\n", files=["config/org.yaml"]) == []


def test_unclosed_fence_is_found() -> None:
    page = "# Title\n\nSome text.\n\n```yaml\nkey: value\n\n## Next section\n\nMore text.\n"
    findings = findings_in(page)
    assert "page.md:5: code fence ```yaml is never closed: everything after it renders as code" in findings
    assert any(f.startswith("page.md:8: heading '## Next section' inside a code fence") for f in findings)


def test_unclosed_fence_in_a_list_item_is_found() -> None:
    page = "- step one\n\n  ```sh\n  make synth\n- step two\n"
    assert findings_in(page) == ["page.md:3: code fence ```sh is never closed: everything after it renders as code"]


def test_heading_swallowed_by_a_closed_fence_is_found() -> None:
    page = "# Title\n\n```sh\n# a shell comment is fine\nmake synth\n### Swallowed\n```\n"
    assert findings_in(page) == ["page.md:6: heading '### Swallowed' inside a code fence (opened at line 3)"]


def test_headings_in_a_markdown_fence_are_content() -> None:
    assert findings_in("# Title\n\n```markdown\n## An example heading\n```\n") == []


def test_table_rows_outside_a_table_are_found() -> None:
    page = "| a | b |\n|---|---|\n| 1 | 2 |\n\nA paragraph after the table.\n| 3 | 4 |\n| 5 | 6 |\n"
    assert findings_in(page) == [
        "page.md:6: table row outside a table (renders as plain text)",
        "page.md:7: table row outside a table (renders as plain text)",
    ]


def test_a_table_without_its_delimiter_row_is_found() -> None:
    assert findings_in("# Title\n\n| a | b |\n| 1 | 2 |\n") == [
        "page.md:3: table row outside a table (renders as plain text)",
        "page.md:4: table row outside a table (renders as plain text)",
    ]


def test_duplicate_table_rows_are_found() -> None:
    page = "| stack | holds |\n|---|---|\n| `Organization-<m>` | trail |\n| `Baseline-<a>` | vault |\n" + (
        "| `Organization-<m>` | trail, again |\n"
    )
    assert findings_in(page) == ["page.md:5: duplicate table row '`Organization-<m>`' (first at line 3)"]


@pytest.mark.parametrize(
    ("href", "problem"),
    [
        ("missing.md", "link to missing.md: missing.md does not exist"),
        ("docs/missing.md#usage", "link to docs/missing.md#usage: docs/missing.md does not exist"),
        ("../outside.md", "link to ../outside.md: ../outside.md does not exist"),
        ("#no-such-heading", "link to #no-such-heading: no heading with anchor #no-such-heading in page.md"),
        ("other.md#nowhere", "link to other.md#nowhere: no heading with anchor #nowhere in other.md"),
    ],
)
def test_broken_relative_links_are_found(href: str, problem: str) -> None:
    page = f"# Title\n\n## Usage\n\nText with\na [broken link]({href}).\n"
    assert findings_in(page, other="# Other\n") == [f"page.md:6: {problem}"]


def test_links_resolve_relative_to_the_page() -> None:
    page = "# Deploying\n\nSee [the README](../README.md#layout) and [verification](verification.md#make-verify).\n"
    site = Site(
        {"docs/deploying.md": page, "README.md": "# R\n\n## Layout\n", "docs/verification.md": "## `make verify`\n"},
        files=[],
    )
    assert site.check("docs/deploying.md") == []


def test_anchors_follow_github() -> None:
    tokens = parser().parse(
        "# The `constructs/` rule\n\n## Deploy, in order\n\n## Deploy, in order\n\n## What's new?\n"
    )
    assert anchors(tokens) == {"the-constructs-rule", "deploy-in-order", "deploy-in-order-1", "whats-new"}


# --- the repository ----------------------------------------------------------------------------------------------


def test_every_tracked_markdown_page_renders_cleanly() -> None:
    site = tracked_site()
    assert "README.md" in site.pages, "git ls-files found no README.md: run the tests from a git checkout"
    findings = site.check_all()
    assert not findings, "Markdown problems:\n" + "\n".join(str(finding) for finding in findings)


def test_config_reference_is_in_sync_with_the_models() -> None:
    assert REFERENCE_FILE.read_text(encoding="utf-8") == reference_text(), (
        "docs/config-reference.md is stale: run make docs"
    )


def test_every_config_model_and_field_is_described() -> None:
    assert undescribed_fields() == [], "add a description= (fields) or a docstring (models) in config/models.py"


def test_every_key_of_the_config_reference_is_named_once() -> None:
    """Keys are written as the path they have in the file, so a reader never sees the same key twice."""
    keys = re.findall(r"^\| `([^`]+)` \|", reference_text(), flags=re.MULTILINE)
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    assert keys and not repeated, f"keys named twice in docs/config-reference.md: {repeated}"
