"""Helpers every domain uses: retained keys, log buckets, pinned logical IDs, checkov skips."""
