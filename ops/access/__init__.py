"""`python -m ops.access`: who has access to what (docs/access.md)."""
