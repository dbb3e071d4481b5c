"""The organization config: models (structure), semantics (cross-references), loader (errors), naming."""
