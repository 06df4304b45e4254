"""Use cases built on the guard: clinic, consent, rights, retention, sharing, incidents."""
