"""Central logging: the organization trail, its bucket, and the CIS monitoring alarms."""
