"""Data protection: locked backup vaults, plans, the organization backup policy, no-delete credentials."""
