"""The notification outbox: every message the platform sends goes through notify() here."""
