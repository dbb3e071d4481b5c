"""Terraform through Atlantis only: per-account plan and apply roles, and the state bucket."""
