"""Operator tools: run by people and CI against AWS, never during synthesis (`python -m ops.<tool>`).

They may import `config` and `stacks.plan` (CDK-free) and call the CDK CLI or boto3; they never build constructs.
"""
