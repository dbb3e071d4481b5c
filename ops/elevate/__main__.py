"""`python -m ops.elevate ...` (`make elevate ARGS="..."`): see ops/elevate/__init__.py."""

from __future__ import annotations

import sys

from ops.elevate.cli import main

if __name__ == "__main__":
    sys.exit(main())
