"""The test-server helpers in tests/servers.py find servers that really answer."""

from __future__ import annotations

import os

import pytest
import servers


def _select_one(url: str):
    conn = servers._pg_connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1, current_database()")
            return cur.fetchone()
    finally:
        conn.close()


def _database_exists(base_url: str, name: str) -> bool:
    conn = servers._pg_connect(base_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            return cur.fetchone() is not None
    finally:
        conn.close()


def _ping(url: str) -> bool:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        return client.ping()
    finally:
        client.close()


def test_url_helpers_parse_sqlalchemy_urls():
    kwargs = servers._pg_connect_kwargs(
        "postgresql+psycopg2://u%40x:p%2Fw@db.example:6543/my_db?sslmode=disable"
    )
    assert kwargs == {
        "connect_timeout": 2,
        "host": "db.example",
        "port": 6543,
        "user": "u@x",
        "password": "p/w",
        "dbname": "my_db",
        "sslmode": "disable",
    }
    assert (
        servers._pg_with_database("postgresql+psycopg2://postgres@127.0.0.1:5432/test", "x1")
        == "postgresql+psycopg2://postgres@127.0.0.1:5432/x1"
    )
    assert servers._normalise_pg_url("postgres://a@h/d") == "postgresql+psycopg2://a@h/d"


@pytest.mark.postgres
def test_postgres_url_answers_select_one():
    url = servers.postgres_url()
    assert url is not None, servers.postgres_skip_reason()
    assert url.startswith("postgresql+psycopg2://")
    assert _select_one(url)[0] == 1
    assert servers.postgres_url() is url  # cached for the process


@pytest.mark.postgres
def test_fresh_database_is_private_and_dropped():
    base = servers.postgres_url()
    assert base is not None, servers.postgres_skip_reason()
    first = servers.fresh_postgres_database(base)
    second = servers.fresh_postgres_database(base)
    assert first != second
    name = first.rsplit("/", 1)[1]
    assert name.startswith(f"ap_test_{os.getpid()}_")
    assert _select_one(first) == (1, name)

    held_open = servers._pg_connect(first)  # dropping must terminate connections
    try:
        servers.drop_postgres_database(first)
        assert not _database_exists(base, name)
    finally:
        held_open.close()
    servers.drop_postgres_database(first)  # idempotent
    servers.drop_postgres_database(second)
    assert not _database_exists(base, second.rsplit("/", 1)[1])


def test_redis_url_answers_ping():
    url = servers.redis_url()
    assert url is not None, servers.redis_skip_reason()
    assert url.startswith("redis://")
    assert _ping(url)


def test_env_override_and_opt_out(monkeypatch):
    monkeypatch.setattr(servers, "_cache", {})
    monkeypatch.setattr(servers, "_reasons", {"postgres": [], "redis": []})
    monkeypatch.setenv("TEST_POSTGRES_URL", "postgresql://someone@example.invalid/db")
    monkeypatch.setenv("TEST_REDIS_URL", "off")
    assert servers.postgres_url() == "postgresql+psycopg2://someone@example.invalid/db"
    assert servers.redis_url() is None
    assert "disabled by TEST_REDIS_URL" in servers.redis_skip_reason()


@pytest.mark.slow
@pytest.mark.postgres
def test_throwaway_postgres_starts_and_cleans_up():
    try:
        cluster = servers._start_throwaway_postgres()
    except servers.ServerUnavailable as exc:
        pytest.skip(f"cannot start a throwaway PostgreSQL cluster here: {exc}")
    try:
        assert cluster.url.endswith(f":{cluster.port}/app")
        assert _select_one(cluster.url) == (1, "app")
        fresh = servers.fresh_postgres_database(cluster.url)
        assert _select_one(fresh)[0] == 1
        servers.drop_postgres_database(fresh)
    finally:
        cluster.stop()
    assert not os.path.exists(cluster.root)
    assert not servers._port_open(cluster.port)
    cluster.stop()  # idempotent


@pytest.mark.slow
def test_throwaway_redis_starts_and_cleans_up():
    try:
        server = servers._start_throwaway_redis()
    except servers.ServerUnavailable as exc:
        pytest.skip(f"cannot start a throwaway redis-server here: {exc}")
    try:
        assert server.port != servers.REDIS_LOCAL_PORT
        assert _ping(server.url)
    finally:
        server.stop()
    assert server.process.returncode is not None
    assert not os.path.exists(server.root)
    assert not servers._port_open(server.port)
    server.stop()  # idempotent


def test_none_with_reason_when_nothing_works(monkeypatch):
    monkeypatch.setattr(servers, "_cache", {})
    monkeypatch.setattr(servers, "_reasons", {"postgres": [], "redis": []})
    monkeypatch.delenv("TEST_POSTGRES_URL", raising=False)
    monkeypatch.delenv("TEST_REDIS_URL", raising=False)
    monkeypatch.setattr(servers, "PG_LOCAL_PORT", 1)  # nothing listens on port 1
    monkeypatch.setattr(servers, "REDIS_LOCAL_PORT", 1)
    monkeypatch.setattr(servers, "_pg_bindir", lambda: None)
    monkeypatch.setattr(servers.shutil, "which", lambda name: None)
    assert servers.postgres_url() is None
    assert servers.redis_url() is None
    assert "no initdb/pg_ctl found" in servers.postgres_skip_reason()
    assert "127.0.0.1:1/test as postgres" in servers.postgres_skip_reason()
    assert "redis-server is not installed" in servers.redis_skip_reason()
