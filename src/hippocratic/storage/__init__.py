"""Persistence: the vault, the audit ledger, repositories and migrations (SQLite and PostgreSQL)."""
