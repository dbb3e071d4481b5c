"""`python -m ops.access matrix [--config PATH] [--out DIR]`: write the access matrix of every partition.

`make synth` runs it after `cdk synth`: `cdk.out/access/<partition>.json` (docs/access.md has the schema),
`<partition>.md` (the readable report) and `index.html` (one self-contained page for every partition).
Exit status 0, or 1 with a clear message when the config is missing or invalid.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from config.loader import load_config
from config.problems import ConfigError
from ops.access.model import matrices
from ops.access.report import html_page, markdown

DEFAULT_CONFIG = Path("config/org.yaml")
DEFAULT_OUT = Path("cdk.out/access")


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("matrix", help="write the access matrix (JSON, Markdown, HTML)", description=__doc__)
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="the organization config (YAML)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default cdk.out/access)")


def run(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 1
    built = matrices(config)
    args.out.mkdir(parents=True, exist_ok=True)
    for partition, matrix in built.items():
        (args.out / f"{partition}.json").write_text(json.dumps(matrix, indent=2, sort_keys=True) + "\n")
        (args.out / f"{partition}.md").write_text(markdown(matrix) + "\n")
    (args.out / "index.html").write_text(html_page({str(p): m for p, m in built.items()}))
    counts = "; ".join(
        f"{p}: {len(m['groups'])} groups, {len(m['permission_sets'])} permission sets, {len(m['roles'])} roles"
        for p, m in built.items()
    )
    print(f"Access matrix written to {args.out}/ ({counts})")
    return 0
