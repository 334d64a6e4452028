"""The Alembic migrations produce exactly the schema the models describe (both databases)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from app.models import metadata


def test_migrated_schema_matches_the_models(app):
    engine = create_engine(app.config["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), metadata)
    finally:
        engine.dispose()
    assert differences == []
