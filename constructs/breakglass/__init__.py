"""Emergency access: the breakglass role and the backstop alarm on the organization trail."""
