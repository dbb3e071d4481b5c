"""The repository layout that Python's import system depends on (see README, "Layout")."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

import constructs
from tests.support.project import ROOT

OUR_CONSTRUCTS = ROOT / "constructs"


def _our_modules() -> list[Path]:
    """Every Python module below constructs/, domain folders included (Lambda handler code excepted: assets)."""
    return sorted(p for p in OUR_CONSTRUCTS.rglob("*.py") if "handlers" not in p.relative_to(OUR_CONSTRUCTS).parts)


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def test_constructs_folder_has_no_init_py() -> None:
    assert not (OUR_CONSTRUCTS / "__init__.py").exists(), (
        "constructs/__init__.py shadows the `constructs` library (aws/aws-cdk#19301): delete it. Our modules "
        "join the library's pkgutil namespace package without it."
    )


def test_construct_base_class_comes_from_the_library() -> None:
    module_file = Path(sys.modules[constructs.Construct.__module__].__file__ or "")
    assert "site-packages" in module_file.parts, f"constructs.Construct comes from {module_file}"


def test_project_construct_modules_import_through_the_namespace() -> None:
    modules = _our_modules()
    too_deep = [str(p.relative_to(OUR_CONSTRUCTS)) for p in modules if len(p.relative_to(OUR_CONSTRUCTS).parts) > 2]
    assert not too_deep, f"one level of domain folders below constructs/: {too_deep}"
    assert len(modules) > 30, f"expected the domain folders' modules, found {len(modules)}"
    for path in modules:
        module = importlib.import_module(_module_name(path))
        assert Path(module.__file__ or "").resolve() == path.resolve(), f"{_module_name(path)} resolves elsewhere"


def test_every_construct_module_sits_in_a_domain_folder() -> None:
    loose = [p.name for p in OUR_CONSTRUCTS.glob("*.py")]
    assert not loose, f"constructs/ holds domain folders only (logging/, identity/, ...); move {loose} into one"


def test_no_project_module_collides_with_the_library() -> None:
    library = Path(sys.modules[constructs.Construct.__module__].__file__ or "").parent
    ours = {p.name for p in OUR_CONSTRUCTS.iterdir() if p.name != "__pycache__"}
    theirs = {p.name.removesuffix(".py") for p in library.iterdir()} | {p.name for p in library.iterdir()}
    assert not ours & theirs, f"constructs/ entries shadow the library's: {sorted(ours & theirs)}"


def test_repository_root_is_first_on_sys_path() -> None:
    # pytest's `pythonpath = ["."]` (pyproject.toml) and app.py's own folder put the root first, so `config`,
    # `stacks`, `checks` and `constructs.<ours>` resolve to this repository.
    assert Path(sys.path[0]).resolve() == ROOT


def test_under_loadgroup_every_test_carries_its_group(request: pytest.FixtureRequest) -> None:
    """`make suite` (`--dist loadgroup`) runs each group in one process only if each test's ID ends in `@<group>`
    (tests/conftest.py puts it there while pytest-xdist cannot); the modules that use a session app share one."""
    items = request.session.items
    if not request.config.getoption("loadgroup", False):
        assert not any("@" in item.nodeid.rpartition("]")[2] for item in items)
        return
    groups = {
        i.nodeid.rpartition("@")[2] for i in items if isinstance(i, pytest.Function) and "synth" in i.fixturenames
    }
    assert groups == {"session-apps"}
    assert request.node.nodeid.endswith("@tests/test_layout.py")
