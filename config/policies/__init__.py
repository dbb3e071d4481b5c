"""Policy documents computed from the config alone (no CDK), because validation must measure them before any
stack exists: the service control policy library and its budgets, the permission set catalog and the
organization backup policy. Constructs turn these same documents into resources."""
