"""Alerts that reach people: the central alert hub, the rules that forward to it, and encrypted topics."""
