"""Policy documents as plain Python data: the SCP library and the permission set catalog.

Nothing here imports CDK: the config validation measures these documents (SCP budgets, permission set limits)
and the stacks put the same documents into templates.
"""
