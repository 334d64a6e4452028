"""Test fixtures: a migrated database per backend (SQLite and PostgreSQL), the app, clients.

Integration and web tests take the ``app`` fixture, which is parametrized over both databases.
Each backend's database is migrated with Alembic once per session (so migrations are tested);
every test then starts from empty tables.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import servers
from sqlalchemy import create_engine, text

from app import create_app
from app.migrations import upgrade
from app.models import metadata

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
_migrated: dict[str, str] = {}


def _database_url(backend: str, tmp_root: Path) -> str:
    if backend in _migrated:
        return _migrated[backend]
    if backend == "sqlite":
        url = f"sqlite:///{tmp_root / 'test.sqlite'}"
    else:
        base = servers.postgres_url()
        if base is None:
            pytest.skip(f"PostgreSQL unavailable: {servers.postgres_skip_reason()}")
        url = servers.fresh_postgres_database(base)
    upgrade(url)
    _migrated[backend] = url
    return url


@pytest.fixture(scope="session")
def tmp_root() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="pathway-tests-") as path:
        yield Path(path)


@pytest.fixture(scope="session")
def spine_forms_dir(tmp_root: Path) -> Path:
    """The real forms/ with the spine's placeholder forms laid over them.

    The API and engine tests run on a small placeholder model (tests/fixtures/bpmn) so that the
    real pathway in bpmn/ and its forms can change without touching them; the intake form
    (`notification`) is always the real one, because it is the API contract.
    """
    target = tmp_root / "forms"
    target.mkdir(exist_ok=True)
    for source in [
        *sorted((ROOT / "forms").glob("*.json")),
        *sorted(FIXTURES.joinpath("forms").glob("*.json")),
    ]:
        shutil.copy2(source, target / source.name)
    return target


def _empty_tables(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(t.name for t in metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(metadata.sorted_tables):
                conn.execute(table.delete())
            conn.execute(text("DELETE FROM sqlite_sequence")) if conn.execute(
                text("SELECT name FROM sqlite_master WHERE name='sqlite_sequence'")
            ).first() else None
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _test_app(backend: str, tmp_root: Path, tmp_path: Path, bpmn: Path, forms: Path) -> Any:
    url = _database_url(backend, tmp_root)
    _empty_tables(url)
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": url,
            "INSTANCE_DIR": str(tmp_path / "instance"),
            "BPMN_DIR": str(bpmn),
            "FORMS_DIR": str(forms),
        }
    )


@pytest.fixture
def app(backend: str, tmp_root: Path, tmp_path: Path, spine_forms_dir: Path) -> Iterator[Any]:
    """The app on the spine's placeholder model (tests/fixtures/bpmn)."""
    application = _test_app(backend, tmp_root, tmp_path, FIXTURES / "bpmn", spine_forms_dir)
    yield application
    application.extensions["db_engine"].dispose()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def pathway_app(backend: str, tmp_root: Path, tmp_path: Path) -> Iterator[Any]:
    """The app on the real pathway: bpmn/ and forms/ of the repository (scenario tests)."""
    application = _test_app(backend, tmp_root, tmp_path, ROOT / "bpmn", ROOT / "forms")
    yield application
    application.extensions["db_engine"].dispose()


@pytest.fixture
def pathway_client(pathway_app: Any) -> Any:
    return pathway_app.test_client()
