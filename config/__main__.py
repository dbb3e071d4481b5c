"""Validate an organization config alone, without CDK: `python -m config [PATH]` (`make check-config`).

Takes about a second, so config-only pull requests get every problem at once before anything synthesizes.
Exit code 0 when the config is valid, 1 with every problem listed (file, line, path) when it is not.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from config.loader import load_config
from config.problems import ConfigError

DEFAULT_CONFIG = Path("config/org.yaml")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m config", description=__doc__.splitlines()[0])
    parser.add_argument("config", nargs="?", type=Path, default=DEFAULT_CONFIG, help="the organization config (YAML)")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 1
    counts = ", ".join(
        f"{partition} ({sum(1 for a in config.accounts if a.partition == partition)} accounts)"
        for partition in config.partitions
    )
    print(f"{args.config}: valid; partitions {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
