"""Export the config's JSON Schema (`make schema`: `python -m config.schema > config/schema.json`), for editor
completion and inline checks; `python -m config.schema --check` exits 1 when the committed file is stale."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from config.models import OrgConfig


def schema_text() -> str:
    schema = OrgConfig.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "org-baseline organization config"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


SCHEMA_FILE = Path(__file__).resolve().parent / "schema.json"

if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        if SCHEMA_FILE.read_text() != schema_text():
            sys.exit(f"{SCHEMA_FILE} is stale: run make schema")
    else:
        print(schema_text(), end="")
