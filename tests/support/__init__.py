"""Test support code, apart from the test modules: oracles (the IAM evaluator), harnesses and generators."""
