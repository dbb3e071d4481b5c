"""Export the config's JSON Schema (`python -m config.schema > config/schema.json`), for editor completion."""

from __future__ import annotations

import json

from config.models import OrgConfig


def schema_text() -> str:
    schema = OrgConfig.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "org-baseline organization config"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(schema_text(), end="")
