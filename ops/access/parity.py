"""placeholder"""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    pass


def run(args: argparse.Namespace) -> int:
    return 1
