"""`python -m ops.access <command> ...`: who has access to what (docs/access.md).

    matrix   write the access matrix of the config (offline; `make synth` runs it)
    diff     what a config change does to access, in plain words (offline; exit 2 when access widens)

Each command is a module with `add_parser(subparsers)` and `run(args) -> int`; add a module to `COMMANDS` to add
a command.
"""

from __future__ import annotations

import argparse
import sys
from types import ModuleType

from ops.access import diff, matrix

# The live audit (`ops.access.audit`) and the IAM-user parity check (`ops.access.parity`) register here too.
COMMANDS: tuple[ModuleType, ...] = (matrix, diff)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.access", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    runners = {}
    for command in COMMANDS:
        before = set(subparsers.choices)
        command.add_parser(subparsers)
        runners.update(dict.fromkeys(set(subparsers.choices) - before, command.run))
    args = parser.parse_args(argv)
    result: int = runners[args.command](args)
    return result


if __name__ == "__main__":
    sys.exit(main())
