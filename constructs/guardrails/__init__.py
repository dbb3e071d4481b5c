"""Service control policies, as Organizations resources."""
