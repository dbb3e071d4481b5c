"""Session Manager instead of SSH bastions: preferences, documents, access, instance role, log bucket."""
