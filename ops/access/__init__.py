"""Who has access to what: `python -m ops.access matrix|diff ...` (docs/access.md).

The matrix and the diff read only the config (no CDK, no AWS); the live audit and the IAM-user parity check
register their subcommands in `ops/access/__main__.py` too.
"""
