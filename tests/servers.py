"""Find (or start) PostgreSQL and Redis servers for the test suite.

Used by the conftest; stdlib + psycopg2 + redis only, so it can be imported before the
application is.  Each finder tries, in order:

``postgres_url()``
    1. ``$TEST_POSTGRES_URL`` (``none``/``skip``/``off`` disables PostgreSQL tests);
    2. the machine's server on 127.0.0.1:5432, database ``test``, as user ``postgres`` and
       then as the current OS user (trust auth, 2 s connect timeout);
    3. a throwaway cluster made with Debian's ``initdb``/``pg_ctl`` in a temporary
       directory on a free port (as root the binaries run as the ``postgres`` user),
       stopped and deleted at exit;
    4. ``None``: ``postgres_skip_reason()`` then says why.

``redis_url()``
    1. ``$TEST_REDIS_URL`` (same opt-out words);
    2. 127.0.0.1:6379 if it answers PING;
    3. a throwaway ``redis-server`` child process on a free port, stopped at exit;
    4. ``None``: ``redis_skip_reason()`` says why.

Results are cached for the process.  Tests must not use the shared ``test`` database
directly: ``fresh_postgres_database(postgres_url())`` creates a private one (dropped at
exit, or earlier with ``drop_postgres_database``).
"""

from __future__ import annotations

import atexit
import contextlib
import getpass
import glob
import itertools
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from urllib.parse import parse_qsl, quote, unquote, urlsplit, urlunsplit

__all__ = [
    "drop_postgres_database",
    "fresh_postgres_database",
    "postgres_skip_reason",
    "postgres_url",
    "redis_skip_reason",
    "redis_url",
]

CONNECT_TIMEOUT = 2
LOCAL_HOST = "127.0.0.1"
PG_LOCAL_PORT = 5432
PG_LOCAL_DATABASE = "test"
PG_THROWAWAY_DATABASE = "app"
REDIS_LOCAL_PORT = 6379
_OPT_OUT = {"none", "skip", "off", "0", "false", "no"}

_lock = threading.RLock()
_cache: dict[str, str | None] = {}
_reasons: dict[str, list[str]] = {"postgres": [], "redis": []}
_owner_pid = os.getpid()


class ServerUnavailable(RuntimeError):
    """A way of getting a server did not work; the message says why."""


def _at_exit(func, *args) -> None:
    """Register ``func`` for interpreter exit, but only in this process (not forked children)."""
    owner = os.getpid()

    def run() -> None:
        if os.getpid() == owner:
            with contextlib.suppress(Exception):
                func(*args)

    atexit.register(run)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOCAL_HOST, 0))
        return sock.getsockname()[1]


def _port_open(port: int, host: str = LOCAL_HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _env_override(name: str) -> tuple[bool, str | None]:
    """(set?, value) for an override variable; an opt-out word gives (True, None)."""
    value = os.environ.get(name, "").strip()
    if not value:
        return False, None
    if value.lower() in _OPT_OUT:
        return True, None
    return True, value


def _cached(kind: str, finder) -> str | None:
    with _lock:
        if kind not in _cache:
            _cache[kind] = finder()
        return _cache[kind]


# --------------------------------------------------------------------------- PostgreSQL


def postgres_skip_reason() -> str:
    """Why ``postgres_url()`` returned None (for ``pytest.skip``)."""
    return "no PostgreSQL server for tests: " + "; ".join(_reasons["postgres"] or ["not tried"])


def postgres_url() -> str | None:
    """A SQLAlchemy URL (``postgresql+psycopg2://``) of a PostgreSQL server for tests, or None."""
    return _cached("postgres", _find_postgres)


def _find_postgres() -> str | None:
    reasons = _reasons["postgres"]
    is_set, value = _env_override("TEST_POSTGRES_URL")
    if is_set:
        if value is None:
            reasons.append("disabled by TEST_POSTGRES_URL")
            return None
        return _normalise_pg_url(value)

    try:
        import psycopg2  # noqa: F401
    except ImportError as exc:
        reasons.append(f"psycopg2 is not importable ({exc})")
        return None

    users = ["postgres"]
    with contextlib.suppress(Exception):
        if getpass.getuser() not in users:
            users.append(getpass.getuser())
    for user in users:
        url = _pg_url(user, LOCAL_HOST, PG_LOCAL_PORT, PG_LOCAL_DATABASE)
        try:
            _pg_select_one(url)
        except Exception as exc:
            reasons.append(
                f"{LOCAL_HOST}:{PG_LOCAL_PORT}/{PG_LOCAL_DATABASE} as {user}: {_one_line(exc)}"
            )
        else:
            return url

    try:
        cluster = _start_throwaway_postgres()
    except ServerUnavailable as exc:
        reasons.append(f"throwaway cluster: {exc}")
        return None
    _at_exit(cluster.stop)
    return cluster.url


def _normalise_pg_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix) :]
    return url


def _pg_url(user: str, host: str, port: int, database: str) -> str:
    return f"postgresql+psycopg2://{quote(user, safe='')}@{host}:{port}/{quote(database, safe='')}"


def _pg_connect_kwargs(url: str) -> dict:
    """psycopg2.connect() keyword arguments for a SQLAlchemy-style PostgreSQL URL."""
    parts = urlsplit(url)
    if not parts.scheme.startswith(("postgresql", "postgres")):
        raise ValueError(f"not a PostgreSQL URL: {url!r}")
    kwargs: dict = {"connect_timeout": CONNECT_TIMEOUT}
    if parts.hostname:
        kwargs["host"] = parts.hostname
    if parts.port:
        kwargs["port"] = parts.port
    if parts.username:
        kwargs["user"] = unquote(parts.username)
    if parts.password is not None:
        kwargs["password"] = unquote(parts.password)
    database = unquote(parts.path.lstrip("/"))
    if database:
        kwargs["dbname"] = database
    kwargs.update(parse_qsl(parts.query))  # e.g. ?host=/var/run/postgresql&sslmode=disable
    return kwargs


def _pg_with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + quote(database, safe="")))


def _pg_connect(url: str):
    import psycopg2

    conn = psycopg2.connect(**_pg_connect_kwargs(url))
    conn.autocommit = True
    return conn


def _pg_select_one(url: str) -> None:
    conn = _pg_connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1")
            if cur.fetchone() != (1,):
                raise ServerUnavailable("SELECT 1 did not return 1")
    finally:
        conn.close()


def _squash(text: str, limit: int = 300) -> str:
    return " ".join(text.split())[:limit]


def _one_line(exc: BaseException) -> str:
    return _squash(str(exc)) or type(exc).__name__


def _pg_bindir() -> str | None:
    """Directory of the newest installed PostgreSQL server binaries (Debian layout first)."""

    def version(path: str) -> tuple[int, ...]:
        match = re.search(r"/postgresql/([\d.]+)/bin/", path)
        return tuple(int(p) for p in match.group(1).split(".")) if match else (0,)

    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version)
    if candidates:
        return os.path.dirname(candidates[-1])
    found = shutil.which("initdb")
    return os.path.dirname(found) if found else None


class _ThrowawayPostgres:
    """A PostgreSQL cluster in a temporary directory; ``stop()`` is idempotent."""

    def __init__(self, bindir: str, root: str, port: int, run_as: list[str]) -> None:
        self.bindir = bindir
        self.root = root
        self.data = os.path.join(root, "data")
        self.log = os.path.join(root, "server.log")
        self.port = port
        self.run_as = run_as
        self.url = _pg_url("postgres", LOCAL_HOST, port, PG_THROWAWAY_DATABASE)
        self._stopped = False

    def _run(self, tool: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        cmd = [*self.run_as, os.path.join(self.bindir, tool), *args]
        return subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )

    def log_tail(self, lines: int = 5) -> str:
        try:
            with open(self.log, encoding="utf-8", errors="replace") as fh:
                return " | ".join(fh.read().strip().splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        try:
            if os.path.exists(os.path.join(self.data, "postmaster.pid")):
                result = self._run(
                    "pg_ctl", "-D", self.data, "-m", "fast", "-w", "-t", "30", "stop", timeout=45
                )
                if result.returncode != 0:
                    self._run("pg_ctl", "-D", self.data, "-m", "immediate", "stop", timeout=30)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _start_throwaway_postgres() -> _ThrowawayPostgres:
    """Start a private cluster (database ``app``, superuser ``postgres``, trust auth).

    Raises ServerUnavailable with the reason when that cannot be done.  The caller owns
    the result and must call ``stop()`` (``postgres_url()`` registers it at exit).
    """
    bindir = _pg_bindir()
    if bindir is None or not os.path.exists(os.path.join(bindir, "pg_ctl")):
        raise ServerUnavailable("no initdb/pg_ctl found (install Debian's 'postgresql' package)")

    run_as: list[str] = []
    owner: pwd.struct_passwd | None = None
    parent = None
    if os.geteuid() == 0:  # initdb and postgres refuse to run as root
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            raise ServerUnavailable("running as root but there is no 'postgres' OS user") from None
        runuser = shutil.which("runuser")
        if runuser is None:
            raise ServerUnavailable("running as root but 'runuser' is missing")
        run_as = [runuser, "-u", "postgres", "--"]
        parent = "/tmp" if os.path.isdir("/tmp") else None  # the postgres user must reach it

    last_error = "not started"
    for _attempt in range(3):  # the free port can be taken between probe and bind
        root = tempfile.mkdtemp(prefix="ap-pg-", dir=parent)
        if owner is not None:
            os.chown(root, owner.pw_uid, owner.pw_gid)
        cluster = _ThrowawayPostgres(bindir, root, _free_port(), run_as)
        try:
            result = cluster._run(
                "initdb",
                "-D",
                cluster.data,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
                timeout=120,
            )
            if result.returncode != 0:
                raise ServerUnavailable(f"initdb failed: {_squash(result.stderr)}")
            options = (
                f"-c listen_addresses={LOCAL_HOST} -p {cluster.port} -k {root} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            )
            result = cluster._run(
                "pg_ctl",
                "-D",
                cluster.data,
                "-l",
                cluster.log,
                "-w",
                "-t",
                "30",
                "-o",
                options,
                "start",
                timeout=60,
            )
            if result.returncode != 0:
                raise ServerUnavailable(
                    f"pg_ctl start failed: {_squash(result.stderr)} {cluster.log_tail()}"
                )
            conn = _pg_connect(_pg_with_database(cluster.url, "postgres"))
            try:
                with conn.cursor() as cur:
                    cur.execute(f'CREATE DATABASE "{PG_THROWAWAY_DATABASE}"')
            finally:
                conn.close()
            _pg_select_one(cluster.url)
            return cluster
        except ServerUnavailable as exc:
            last_error = str(exc)
            cluster.stop()
            if "initdb failed" in last_error:
                break
        except Exception as exc:
            last_error = _one_line(exc)
            cluster.stop()
    raise ServerUnavailable(last_error)


_db_counter = itertools.count(1)
_created_databases: dict[str, str] = {}  # database URL -> the base URL used to create it


def fresh_postgres_database(base_url: str) -> str:
    """Create a uniquely named, empty database on ``base_url``'s server and return its URL.

    ``base_url`` must name a database the user can connect to and have CREATEDB rights.
    The database is dropped at exit (connections terminated first), or earlier by
    ``drop_postgres_database(url)``.
    """
    base_url = _normalise_pg_url(base_url)
    conn = _pg_connect(base_url)
    try:
        import psycopg2.errors

        with conn.cursor() as cur:
            for _attempt in range(20):
                name = f"ap_test_{os.getpid()}_{next(_db_counter)}"
                try:
                    cur.execute(f'CREATE DATABASE "{name}"')
                except psycopg2.errors.DuplicateDatabase:
                    continue  # left over from an earlier run whose pid was the same
                break
            else:
                raise RuntimeError("could not find a free ap_test_* database name")
    finally:
        conn.close()
    url = _pg_with_database(base_url, name)
    with _lock:
        if not _created_databases:
            _at_exit(_drop_all_created)
        _created_databases[url] = base_url
    return url


def drop_postgres_database(url: str) -> None:
    """Drop a database made by ``fresh_postgres_database`` (idempotent)."""
    with _lock:
        base_url = _created_databases.pop(url, None)
    if base_url is None:
        return
    name = unquote(urlsplit(url).path.lstrip("/"))
    conn = _pg_connect(base_url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            for _attempt in range(50):  # terminated backends take a moment to go
                try:
                    cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
                    break
                except Exception as exc:
                    if "being accessed by other users" not in str(exc):
                        raise
                    time.sleep(0.1)
    finally:
        conn.close()


def _drop_all_created() -> None:
    for url in list(_created_databases):
        with contextlib.suppress(Exception):
            drop_postgres_database(url)


# --------------------------------------------------------------------------- Redis


def redis_skip_reason() -> str:
    """Why ``redis_url()`` returned None (for ``pytest.skip``)."""
    return "no Redis server for tests: " + "; ".join(_reasons["redis"] or ["not tried"])


def redis_url() -> str | None:
    """A ``redis://`` URL (database 0) of a Redis server for tests, or None."""
    return _cached("redis", _find_redis)


def _find_redis() -> str | None:
    reasons = _reasons["redis"]
    is_set, value = _env_override("TEST_REDIS_URL")
    if is_set:
        if value is None:
            reasons.append("disabled by TEST_REDIS_URL")
        return value

    try:
        import redis  # noqa: F401
    except ImportError as exc:
        reasons.append(f"the redis package is not importable ({exc})")
        return None

    url = f"redis://{LOCAL_HOST}:{REDIS_LOCAL_PORT}/0"
    try:
        _redis_ping(url)
    except Exception as exc:
        reasons.append(f"{LOCAL_HOST}:{REDIS_LOCAL_PORT}: {_one_line(exc)}")
    else:
        return url

    try:
        server = _start_throwaway_redis()
    except ServerUnavailable as exc:
        reasons.append(f"throwaway redis-server: {exc}")
        return None
    _at_exit(server.stop)
    return server.url


def _redis_ping(url: str) -> None:
    import redis

    client = redis.Redis.from_url(
        url, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=CONNECT_TIMEOUT
    )
    try:
        if not client.ping():
            raise ServerUnavailable("PING did not answer PONG")
    finally:
        client.close()


class _ThrowawayRedis:
    """A ``redis-server`` child process in a temporary directory; ``stop()`` is idempotent."""

    def __init__(self, process: subprocess.Popen, root: str, port: int) -> None:
        self.process = process
        self.root = root
        self.port = port
        self.url = f"redis://{LOCAL_HOST}:{port}/0"

    def stop(self) -> None:
        try:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=10)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _start_throwaway_redis(timeout: float = 10) -> _ThrowawayRedis:
    """Start ``redis-server`` on a free loopback port, without persistence.

    Raises ServerUnavailable when that cannot be done; the caller must call ``stop()``.
    """
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServerUnavailable("redis-server is not installed (Debian package 'redis-server')")
    last_error = "not started"
    for _attempt in range(3):
        root = tempfile.mkdtemp(prefix="ap-redis-")
        port = _free_port()
        log_path = os.path.join(root, "redis.log")
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [
                    binary,
                    "--port",
                    str(port),
                    "--bind",
                    LOCAL_HOST,
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--daemonize",
                    "no",
                    "--dir",
                    root,
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        server = _ThrowawayRedis(process, root, port)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process.poll() is None:
            try:
                _redis_ping(server.url)
            except Exception as exc:
                last_error = _one_line(exc)
                time.sleep(0.05)
            else:
                return server
        if process.poll() is not None:
            with open(log_path, encoding="utf-8", errors="replace") as fh:
                tail = " | ".join(fh.read().strip().splitlines()[-3:])
            last_error = f"exited with {process.returncode}: {tail}"
        server.stop()
    raise ServerUnavailable(last_error)
