"""The organization config, the first layer of the flow: YAML in, a typed and validated `OrgConfig` out, plus
everything computed from it without CDK (names, targets, assignments, backup decisions, policy documents).

    loader.py       YAML -> models, every problem at once (problems.py: Problem, ConfigError)
    models.py       structure (pydantic); validation/ the rules between sections, one module per section
    naming.py       deterministic names and ARNs; targets.py, assignments.py, backup.py: decisions
    policies/       documents validation must measure: SCP library, permission set catalog, backup policy
    quotas.py       AWS limits; regions.py: partitions and their regions
"""
