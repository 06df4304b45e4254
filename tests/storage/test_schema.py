"""The schema: Citus-ready tables, migrations that build exactly the models, append-only audit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import ForeignKeyConstraint, UniqueConstraint, inspect

from hippocratic.storage.database import Base, make_engine
from hippocratic.storage.organisation import OrganisationRow
from hippocratic.storage.record import SubjectFieldRow
from hippocratic.storage.schema import metadata_tables, upgrade
from hippocratic.storage.subject import SubjectRow


def test_every_table_keys_on_the_organisation() -> None:
    """Citus-ready: every primary key leads with organisation_id, and every unique constraint,
    unique index and foreign key includes it (a foreign key matching it to the same column)."""
    problems = []
    for table in Base.metadata.sorted_tables:
        pk = [column.name for column in table.primary_key.columns]
        if not pk or pk[0] != "organisation_id":
            problems.append(f"{table.name}: primary key {pk} does not lead with organisation_id")
        for constraint in table.constraints:
            if isinstance(constraint, UniqueConstraint | ForeignKeyConstraint):
                names = [column.name for column in constraint.columns]
                if "organisation_id" not in names:
                    problems.append(f"{table.name}: {constraint} lacks organisation_id")
            if isinstance(constraint, ForeignKeyConstraint):
                pairs = {(e.parent.name, e.column.name) for e in constraint.elements}
                if ("organisation_id", "organisation_id") not in pairs:
                    problems.append(f"{table.name}: {constraint.name} crosses organisations")
        for index in table.indexes:
            if index.unique and "organisation_id" not in [c.name for c in index.columns]:
                problems.append(f"{table.name}: unique index {index.name} lacks organisation_id")
    assert problems == []


def test_migrations_build_exactly_the_models(database_url: str) -> None:
    """``alembic upgrade head`` yields the metadata's tables, columns, types, keys and indexes:
    autogenerate finds nothing left to migrate."""
    engine = make_engine(database_url)
    upgrade(engine)
    tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert tables == set(metadata_tables())
    for name in metadata_tables():
        columns = {column["name"] for column in inspect(engine).get_columns(name)}
        assert columns == set(Base.metadata.tables[name].columns.keys()), name
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_the_schema_keeps_each_organisations_rows_apart(database_url: str) -> None:
    """The database itself refuses a record pointing at another organisation's patient."""
    engine = make_engine(database_url)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(
            OrganisationRow.__table__.insert(),
            [
                {"organisation_id": org, "name": org, "policy_yaml": "", "policy_sha256": "",
                 "created_at": datetime(2026, 1, 1, tzinfo=UTC)}
                for org in ("a", "b")
            ],
        )  # fmt: skip
        connection.execute(
            SubjectRow.__table__.insert(),
            {"organisation_id": "a", "subject_id": "s1", "created_at": datetime.now(UTC),
             "restricted": False},
        )  # fmt: skip
    with pytest.raises(sqlalchemy.exc.IntegrityError), engine.begin() as connection:
        connection.execute(
            SubjectFieldRow.__table__.insert(),
            {"organisation_id": "b", "subject_id": "s1", "field": "full_name", "value": "x",
             "updated_at": datetime.now(UTC)},
        )  # fmt: skip
    engine.dispose()


@pytest.mark.promise("S0-81", "S0-105")
@pytest.mark.parametrize(
    "statement", ["UPDATE audit_event SET actor = 'mallory'", "DELETE FROM audit_event"]
)
def test_the_database_refuses_to_rewrite_audit_history(store, statement: str) -> None:
    from hippocratic.services.records import Actor, Records

    Records(store, Actor("harmonic", "alice", "reception")).register(
        "care", {"full_name": "Ada Example"}
    )
    with (
        pytest.raises(sqlalchemy.exc.DatabaseError, match="append-only"),
        store.engine.begin() as connection,
    ):
        connection.exec_driver_sql(statement)
    with store.engine.connect() as connection:
        count = connection.exec_driver_sql("SELECT COUNT(*) FROM audit_event").scalar()
        assert count == 3  # each organisation's creation, then the registration


def test_a_consent_held_before_the_ledger_is_carried_over_to_be_confirmed_again(
    database_url: str,
) -> None:
    """Migration 0003: the old current-state row becomes a state with no event and empty
    terms (it never counts until the patient confirms it); downgrading brings it back."""
    from alembic import command
    from sqlalchemy import text

    from hippocratic.storage.schema import alembic_config

    engine = make_engine(database_url)
    config = alembic_config(engine)
    command.upgrade(config, "0002")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(
            OrganisationRow.__table__.insert(),
            {"organisation_id": "o", "name": "o", "policy_yaml": "", "policy_sha256": "",
             "created_at": now},
        )  # fmt: skip
        connection.execute(
            SubjectRow.__table__.insert(),
            {"organisation_id": "o", "subject_id": "s", "created_at": now, "restricted": False},
        )
        connection.execute(
            text("INSERT INTO consent (organisation_id, subject_id, purpose, given, "
                 "recorded_at) VALUES ('o', 's', 'marketing', :yes, :at)"),
            {"yes": True, "at": now},
        )  # fmt: skip
    command.upgrade(config, "head")
    with engine.connect() as connection:
        carried = connection.execute(
            text("SELECT purpose, channel, kind, given, terms_sha256, event_id FROM consent_state")
        ).all()
    assert [tuple(row) for row in carried] == [("marketing", "", "granted", True, "", None)]
    command.downgrade(config, "0002")
    with engine.connect() as connection:
        back = connection.execute(text("SELECT purpose, given FROM consent")).all()
    assert [tuple(row) for row in back] == [("marketing", True)]
    engine.dispose()
