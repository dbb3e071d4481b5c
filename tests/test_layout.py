"""The repository layout that Python's import system depends on (see README, "Layout")."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import constructs
from tests.conftest import ROOT


def test_constructs_folder_has_no_init_py():
    assert not (ROOT / "constructs" / "__init__.py").exists(), (
        "constructs/__init__.py shadows the `constructs` library (aws/aws-cdk#19301): delete it. Our modules "
        "join the library's pkgutil namespace package without it."
    )


def test_construct_base_class_comes_from_the_library():
    module_file = Path(sys.modules[constructs.Construct.__module__].__file__ or "")
    assert "site-packages" in module_file.parts, f"constructs.Construct comes from {module_file}"


def test_project_construct_modules_import_through_the_namespace():
    for path in sorted((ROOT / "constructs").glob("*.py")):
        module = importlib.import_module(f"constructs.{path.stem}")
        assert Path(module.__file__ or "").resolve() == path.resolve()


def test_no_project_module_collides_with_the_library():
    library = Path(sys.modules[constructs.Construct.__module__].__file__ or "").parent
    ours = {p.stem for p in (ROOT / "constructs").glob("*.py")}
    theirs = {p.stem for p in library.iterdir()}
    assert not ours & theirs, f"constructs/ modules shadow the library's: {sorted(ours & theirs)}"


def test_repository_root_is_first_on_sys_path():
    # pytest's `pythonpath = ["."]` (pyproject.toml) and app.py's own folder put the root first, so `config`,
    # `stacks` and `constructs.<ours>` resolve to this repository.
    assert Path(sys.path[0]).resolve() == ROOT
