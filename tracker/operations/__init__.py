"""Running the tracker: the scheduler heartbeat, the health probe and backups."""
