"""Where the project's files are, and the CDK context cdk.json gives the app: for tests, the benchmark and the org
generator alike (no pytest needed)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_CONFIG = ROOT / "config" / "org.yaml"
CONFIG_FIXTURES = ROOT / "tests" / "fixtures" / "configs"  # broken configs, for the messages they must give
CDK_CONTEXT: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]


def tracked_files(*patterns: str) -> list[str]:
    """Paths (relative to the root) of the files git tracks that match `patterns` (all files without any) and
    still exist in the working tree."""
    listed = subprocess.run(["git", "ls-files", "-z", *patterns], cwd=ROOT, check=True, capture_output=True)
    return [name for name in listed.stdout.decode().split("\0") if name and (ROOT / name).exists()]
