"""Where the project's files are, and the CDK context cdk.json gives the app: for tests, the benchmark and the org
generator alike (no pytest needed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_CONFIG = ROOT / "config" / "org.yaml"
CONFIG_FIXTURES = ROOT / "tests" / "fixtures" / "configs"  # broken configs, for the messages they must give
CDK_CONTEXT: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
