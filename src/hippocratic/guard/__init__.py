"""The single choke point: every read and write of personal data is decided and audited here."""
