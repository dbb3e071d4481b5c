"""IAM Identity Center: permission sets, assignments, and the customer-managed policies they reference."""
