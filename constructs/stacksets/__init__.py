"""The StackSets deployment mode's own resources (docs/decisions/0021-stacksets-deployment-mode.md)."""
