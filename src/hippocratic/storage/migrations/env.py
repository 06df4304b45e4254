"""Alembic environment: the engine is handed in by ``hippocratic.storage.schema``."""

from __future__ import annotations

from alembic import context

from hippocratic.storage.database import Base
from hippocratic.storage.schema import TABLE_MODULES

assert TABLE_MODULES  # every table is registered on Base.metadata

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
