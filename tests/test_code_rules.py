"""Rules of the codebase that keep its shape: the layers import in one direction, boto3 stays out of synthesis,
`# fmt: skip` only on data literals, pinned requirements match their sources (see CONTRIBUTING.md)."""

from __future__ import annotations

import ast
import io
import pkgutil
import re
import tokenize
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.project import ROOT, tracked_files

HANDLERS = Path("constructs/handlers")


PYTHON_FILES = [Path(name) for name in tracked_files("*.py")]


# --- layers ---------------------------------------------------------------------------------------------------

# Which of our packages each layer may import: the flow is config -> stacks/plan -> constructs -> stacks/assembly
# -> checks; Lambda handlers are deployed code and import none of ours. Operator tools (ops/) run against AWS
# from the config and the plan alone, never building constructs.
ALLOWED_IMPORTS: dict[str, set[str]] = {
    "config": {"config"},
    "stacks/plan.py": {"config", "stacks.plan"},
    "constructs/handlers": set(),
    "constructs": {"config", "constructs"},
    "stacks": {"config", "constructs", "stacks", "checks.synth"},
    "checks": {"config", "checks", "constructs.shared.checkov"},
    "ops": {"config", "stacks.plan", "ops"},
}
OUR_PACKAGES = ("config", "stacks", "constructs", "checks", "ops", "tests", "app")
OPS = Path("ops")


def _layer(path: Path) -> str | None:
    text = path.as_posix()
    return next((layer for layer in ALLOWED_IMPORTS if text == layer or text.startswith(layer + "/")), None)


def _our_imports(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse((ROOT / path).read_text())):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            if name == "constructs":
                continue  # the library's Construct, not our folder
            if name.split(".")[0] in OUR_PACKAGES and isinstance(node, ast.Import | ast.ImportFrom):
                yield node.lineno, name


def test_layers_import_in_one_direction() -> None:
    wrong = []
    for path in PYTHON_FILES:
        layer = _layer(path)
        if layer is None:
            continue
        allowed = ALLOWED_IMPORTS[layer]
        for line, name in _our_imports(path):
            if not any(name == prefix or name.startswith(prefix + ".") for prefix in allowed):
                wrong.append(f"{path}:{line}: {layer} imports {name}")
    assert not wrong, "imports against the flow (see ALLOWED_IMPORTS):\n" + "\n".join(wrong)


def test_boto3_only_in_runtime_code() -> None:
    """Synthesis never talks to AWS: boto3 belongs to Lambda handlers, operator tools (ops/) and tests."""
    runtime = (HANDLERS, OPS, Path("tests"))
    synth_time = [p for p in PYTHON_FILES if not any(p.is_relative_to(folder) for folder in runtime)]
    users = [
        f"{path}:{node.lineno}"
        for path in synth_time
        for node in ast.walk(ast.parse((ROOT / path).read_text()))
        if isinstance(node, ast.Import | ast.ImportFrom)
        and any(
            (alias.name if isinstance(node, ast.Import) else node.module or "").split(".")[0] in ("boto3", "botocore")
            for alias in node.names
        )
    ]
    assert not users, f"boto3 imported at synth time: {users}"


def test_no_commercial_arn_literal_in_product_code() -> None:
    """A Deny naming `arn:aws:` never matches in GovCloud: ARNs are built from the partition everywhere."""
    literal = "arn:" + "aws:"
    product = [p for p in PYTHON_FILES if not p.is_relative_to("tests")] + [
        Path(name) for name in tracked_files("config/*.yaml")
    ]
    hits = [f"{path}:{n}" for path in product for n, line in enumerate((ROOT / path).open(), 1) if literal in line]
    assert not hits, f"write arn:{{partition}}: instead: {hits}"


# --- formatting ---------------------------------------------------------------------------------------------

DATA_LITERALS = (ast.List, ast.Tuple, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)
# Deployed as a Lambda asset: a changed byte changes its hash in every baseline template. Its one call-site skip
# goes with the handler's next functional change.
FMT_SKIP_EXEMPT = {HANDLERS / "session_manager" / "index.py"}


def _is_data(node: ast.expr | None) -> bool:
    if isinstance(node, DATA_LITERALS):
        return True
    if (isinstance(node, ast.Constant) and isinstance(node.value, str)) or isinstance(node, ast.JoinedStr):
        return True  # a pattern
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _is_data(node.left) and _is_data(node.right)
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("frozenset", "tuple")
        and len(node.args) == 1
        and _is_data(node.args[0])
    )


def fmt_skip_problems(source: str) -> list[tuple[int, str]]:
    """(line, what) for each `# fmt: skip` that is not on an assignment, return or assert of a data literal."""
    tree = ast.parse(source)
    statements = [node for node in ast.walk(tree) if isinstance(node, ast.stmt)]
    problems = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.COMMENT or re.sub(r"\s", "", token.string).lower() != "#fmt:skip":
            continue
        line = token.start[0]
        ending = [s for s in statements if s.end_lineno == line]
        if not ending:
            problems.append((line, "not at the end of a statement (a decorator or a def line?)"))
            continue
        statement = max(ending, key=lambda s: (s.lineno, s.col_offset))
        if isinstance(statement, ast.Assign | ast.AnnAssign | ast.Return) and _is_data(statement.value):
            continue
        test = statement.test if isinstance(statement, ast.Assert) else None
        if isinstance(test, ast.Compare) and any(_is_data(side) for side in [test.left, *test.comparators]):
            continue
        problems.append((line, f"on a {type(statement).__name__} that is not a data literal"))
    return problems


@pytest.mark.parametrize(
    ("source", "allowed"),
    [
        ("ACTIONS = [\n    'a:B', 'a:C',\n]  # fmt: skip\n", True),
        ("def f():\n    return {'Sid': 'X',\n            'Effect': 'Deny'}  # fmt: skip\n", True),
        ("PATTERN = ('{ ($.a = 1) '\n           '&& ($.b = 2) }')  # fmt: skip\n", True),
        ("REGIONS = frozenset({\n    'a', 'b',\n})  # fmt: skip\n", True),
        ("assert x == {'a': 1,\n             'b': 2}  # fmt: skip\n", True),
        ("print(1,\n      2)  # fmt: skip\n", False),
        ("x = dict(a=1,\n         b=2)  # fmt: skip\n", False),
        ("def f(a: int,\n      b: int) -> None:  # fmt: skip\n    pass\n", False),
        ("@decorator(1,\n           2)  # fmt: skip\ndef f() -> None:\n    pass\n", False),
    ],
)
def test_the_fmt_skip_rule_itself(source: str, allowed: bool) -> None:
    assert (not fmt_skip_problems(source)) is allowed


def test_fmt_skip_only_on_data_literals() -> None:
    problems = [
        f"{path}:{line}: {what}"
        for path in PYTHON_FILES
        if path not in FMT_SKIP_EXEMPT
        for line, what in fmt_skip_problems((ROOT / path).read_text())
    ]
    assert not problems, "`# fmt: skip` belongs on data literals only (CONTRIBUTING.md):\n" + "\n".join(problems)


# --- requirements -------------------------------------------------------------------------------------------


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?==([^\s#]+)", line.strip())
        if match:
            pins[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(3)
    return pins


@pytest.mark.parametrize("name", ["requirements", "requirements-dev"])
def test_compiled_requirements_pin_what_their_sources_ask_for(name: str) -> None:
    """`make requirements` compiles requirements*.in into requirements*.txt; an .in edited without it fails here."""
    sources, compiled = _pins(ROOT / f"{name}.in"), _pins(ROOT / f"{name}.txt")
    assert sources, f"{name}.in pins nothing"
    stale = {package: version for package, version in sources.items() if compiled.get(package) != version}
    assert not stale, f"{name}.txt is stale for {stale}: run make requirements"


def test_checkov_skips_only_through_the_helper() -> None:
    """constructs/shared/checkov.py enforces a specific reason; metadata written by hand would bypass it."""
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("constructs", "stacks")
        for path in (ROOT / folder).rglob("*.py")
        if path != ROOT / "constructs/shared/checkov.py"
        and re.search(r"""["']checkov["']|CfnResource\.?.*metadata|cfn_options\.metadata""", path.read_text())
    ]
    assert offenders == []


# --- type checking ----------------------------------------------------------------------------------------------


def _aws_cdk_modules_imported() -> set[str]:
    import aws_cdk

    submodules = {module.name for module in pkgutil.iter_modules(aws_cdk.__path__)}
    imported = set()
    for path in PYTHON_FILES:
        for node in ast.walk(ast.parse((ROOT / path).read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names if alias.name.split(".")[0] == "aws_cdk"}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == "aws_cdk":
                imported |= {"aws_cdk", *(f"aws_cdk.{a.name}" for a in node.names if a.name in submodules)}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("aws_cdk."):
                imported.add(str(node.module))
    return imported


def test_mypy_follows_exactly_the_aws_cdk_modules_the_code_imports() -> None:
    """mypy skips aws-cdk-lib's modules but those our code imports (pyproject.toml, for a minute less of mypy in a
    fresh clone); a module imported but not followed would go unchecked, one followed but unused costs time."""
    overrides = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]["overrides"]
    followed = {module for o in overrides if o.get("follow_imports") == "normal" for module in o["module"]}
    assert any(o.get("follow_imports") == "skip" and o["module"] == ["aws_cdk.*"] for o in overrides)
    assert followed == _aws_cdk_modules_imported()
