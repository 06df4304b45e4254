"""The store's schema: every table module registered on ``Base.metadata``, and Alembic to build
and upgrade it. Migrations live in ``storage/migrations``; ``upgrade`` brings a store to head."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect

from hippocratic.storage import (
    access_log,
    campaign,
    care,
    clinic,
    collection,
    consent,
    cookie_receipt,
    data_opt_out,
    disclosure,
    fraud_marker,
    incident,
    incident_release,
    ledger,
    objection,
    organisation,
    party,
    patient_passkey,
    patient_session,
    record,
    representative,
    retention,
    rights_request,
    site_visit,
    staff,
    subject,
)
from hippocratic.storage.database import Base

TABLE_MODULES = (
    organisation,
    subject,
    record,
    care,
    consent,
    cookie_receipt,
    ledger,
    clinic,
    collection,
    staff,
    campaign,
    access_log,
    rights_request,
    patient_session,
    fraud_marker,
    objection,
    patient_passkey,
    incident,
    disclosure,
    retention,
    incident_release,
    representative,
    party,
    data_opt_out,
    site_visit,
)
MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    command.upgrade(alembic_config(engine), "head")


def has_schema(engine: Engine) -> bool:
    return "organisation" in inspect(engine).get_table_names()


def existing_tables(engine: Engine) -> list[str]:
    """Tables already in the database (its default schema), whoever made them."""
    return sorted(inspect(engine).get_table_names())


def metadata_tables() -> list[str]:
    return sorted(Base.metadata.tables)
