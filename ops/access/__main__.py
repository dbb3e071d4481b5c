"""`python -m ops.access <command>`: the access tools (docs/access.md). Each command module has `add_parser` and
`run`; this registers them and runs the one asked for. Exit status: the command's (see each module)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ops.access import audit, parity


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.access", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    for command in (audit, parity):
        command.add_parser(subparsers)
    args = parser.parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
