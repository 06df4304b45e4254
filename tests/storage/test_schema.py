"""The schema: Citus-ready tables, migrations that build exactly the models, append-only audit."""

from __future__ import annotations

import pytest
import sqlalchemy
from sqlalchemy import ForeignKeyConstraint, UniqueConstraint, inspect

from hippocratic.storage.database import Base, make_engine
from hippocratic.storage.schema import metadata_tables, upgrade


def test_every_table_keys_on_the_organisation() -> None:
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
        for index in table.indexes:
            if index.unique and "organisation_id" not in [c.name for c in index.columns]:
                problems.append(f"{table.name}: unique index {index.name} lacks organisation_id")
    assert problems == []


def test_migrations_build_exactly_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert tables == set(metadata_tables())
    for name in metadata_tables():
        columns = {column["name"] for column in inspect(engine).get_columns(name)}
        assert columns == set(Base.metadata.tables[name].columns.keys()), name
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
        assert connection.exec_driver_sql("SELECT COUNT(*) FROM audit_event").scalar() == 1
