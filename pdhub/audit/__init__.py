"""The audit trail: an append-only record of who did what to whose data, and when."""
