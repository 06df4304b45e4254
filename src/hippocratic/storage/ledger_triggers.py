"""The database's own line of defence for the audit ledger, on SQLite and PostgreSQL alike.

Events and checkpoints refuse UPDATE and DELETE (and, on PostgreSQL, TRUNCATE); the head row
refuses DELETE and any update that does not move it forward. A bug or a stray SQL session
therefore cannot quietly rewrite history; someone who drops the triggers first is still caught
by the hash chain (``ledger_verify``). The triggers are created with the tables (SQLAlchemy
``after_create``) and by the migration (``install_append_only_guard``).
"""

from __future__ import annotations

from sqlalchemy import Connection

_REFUSE = "SELECT RAISE(ABORT, 'audit {what} are append-only')"

SQLITE: dict[str, list[str]] = {
    "audit_event": [
        f"CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
        f"BEGIN {_REFUSE.format(what='events')}; END",
        f"CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
        f"BEGIN {_REFUSE.format(what='events')}; END",
    ],
    "audit_checkpoint": [
        f"CREATE TRIGGER audit_checkpoint_no_update BEFORE UPDATE ON audit_checkpoint "
        f"BEGIN {_REFUSE.format(what='checkpoints')}; END",
        f"CREATE TRIGGER audit_checkpoint_no_delete BEFORE DELETE ON audit_checkpoint "
        f"BEGIN {_REFUSE.format(what='checkpoints')}; END",
    ],
    "audit_head": [
        "CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head "
        "WHEN NEW.seq <= OLD.seq OR NEW.organisation_id <> OLD.organisation_id "
        "BEGIN SELECT RAISE(ABORT, 'the audit head only moves forward'); END",
        "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head "
        "BEGIN SELECT RAISE(ABORT, 'the audit head only moves forward'); END",
    ],
}

_PG_REFUSE = (
    "CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION USING MESSAGE = 'audit ' || TG_ARGV[0] || ' are append-only'; "
    "END; $$ LANGUAGE plpgsql"
)
POSTGRESQL: dict[str, list[str]] = {
    "audit_event": [
        _PG_REFUSE,
        "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION audit_append_only('events')",
        "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only('events')",
    ],
    "audit_checkpoint": [
        _PG_REFUSE,
        "CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE OR DELETE "
        "ON audit_checkpoint FOR EACH ROW EXECUTE FUNCTION audit_append_only('checkpoints')",
        "CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON audit_checkpoint "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only('checkpoints')",
    ],
    "audit_head": [
        "CREATE OR REPLACE FUNCTION audit_head_forward() RETURNS trigger AS $$ BEGIN "
        "IF TG_OP <> 'UPDATE' THEN RAISE EXCEPTION 'the audit head only moves forward'; "
        "ELSIF NEW.seq <= OLD.seq OR NEW.organisation_id <> OLD.organisation_id THEN "
        "RAISE EXCEPTION 'the audit head only moves forward'; END IF; RETURN NEW; END; $$ "
        "LANGUAGE plpgsql",
        "CREATE TRIGGER audit_head_forward BEFORE UPDATE OR DELETE ON audit_head "
        "FOR EACH ROW EXECUTE FUNCTION audit_head_forward()",
        "CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_head_forward()",
    ],
}

SQLITE["consent_event"] = [
    "CREATE TRIGGER consent_event_no_update BEFORE UPDATE ON consent_event "
    "BEGIN SELECT RAISE(ABORT, 'consent events are append-only'); END",
    "CREATE TRIGGER consent_event_no_delete BEFORE DELETE ON consent_event "
    "BEGIN SELECT RAISE(ABORT, 'consent events are append-only'); END",
]
POSTGRESQL["consent_event"] = [
    _PG_REFUSE,
    "CREATE TRIGGER consent_event_append_only BEFORE UPDATE OR DELETE ON consent_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_append_only('consent events')",
    "CREATE TRIGGER consent_event_no_truncate BEFORE TRUNCATE ON consent_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only('consent events')",
]
LEDGER_TABLES = ("audit_event", "audit_checkpoint", "audit_head")
"""The tables of the first migration's triggers; later ledger tables install their own."""

TRIGGERS = {"sqlite": SQLITE, "postgresql": POSTGRESQL}
FUNCTIONS = ("audit_append_only()", "audit_head_forward()")
"""PostgreSQL functions the triggers call (dropped by the migration's downgrade)."""


def install_for_table(table: object, connection: Connection, **_: object) -> None:
    """``after_create`` hook: the triggers of one ledger table."""
    name = getattr(table, "name", "")
    for statement in TRIGGERS.get(connection.dialect.name, {}).get(name, []):
        connection.exec_driver_sql(statement)


def install_append_only_guard(
    connection: Connection, tables: tuple[str, ...] = LEDGER_TABLES
) -> None:
    """The triggers of ``tables``, once they exist (used by the migrations)."""
    for name in tables:
        for statement in TRIGGERS.get(connection.dialect.name, {}).get(name, []):
            connection.exec_driver_sql(statement)
