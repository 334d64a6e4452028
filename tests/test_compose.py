"""docker-compose.yml validates offline and describes the production stack.

Needs the `docker-compose` binary (Debian package, v1.29; `make test` installs it as root).
No Docker engine is needed: `docker-compose config` only parses and interpolates.
PyYAML is not a dependency, so the normalised output of `docker-compose config` (plain
block YAML) is read with the small reader below.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
EXPECTED_SERVICES = {"db", "redis", "web", "worker", "beat"}
APP_SERVICES = ("web", "worker", "beat")
INTERPOLATED = ("SECRET_KEY", "POSTGRES_PASSWORD", "WEB_PORT")

needs_compose = pytest.mark.skipif(
    shutil.which("docker-compose") is None,
    reason="docker-compose is not installed "
    "(apt-get install --no-install-recommends docker-compose)",
)


def compose(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in INTERPOLATED and not k.startswith("COMPOSE_")
    }
    clean.update(env)
    return subprocess.run(
        ["docker-compose", "--no-ansi", "-f", str(COMPOSE_FILE), *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def read_block_yaml(text: str) -> dict[tuple[str, ...], object]:
    """Flatten docker-compose's normalised block YAML to {path: scalar or list of scalars}.

    Handles what `docker-compose config` prints: nested `key: value` mappings, `- item`
    sequences of scalars, quoted scalars and long plain scalars folded onto the next line.
    Items of sequences of mappings (e.g. `ports`) are not interpreted.
    """
    flat: dict[tuple[str, ...], object] = {}
    stack: list[tuple[int, str]] = []
    last_scalar: tuple[int, tuple[str, ...], int | None] | None = None
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        line = raw.strip()
        key_match = re.fullmatch(r"""(['"]?)([\w.\-/]+)\1:(?:\s+(.*))?""", line)
        if line.startswith("- ") or line == "-":
            while stack and stack[-1][0] > indent:
                stack.pop()
            path = tuple(key for _, key in stack)
            item = line[2:].strip()
            if path and not re.match(r"[\w.\-]+:(\s|$)", item):
                flat.setdefault(path, [])
                if isinstance(flat[path], list):
                    flat[path].append(_unquote(item))
                    last_scalar = (indent, path, len(flat[path]) - 1)
            continue
        if key_match is None:
            if last_scalar is not None and indent > last_scalar[0]:  # folded plain scalar
                _, path, index = last_scalar
                if index is None:
                    flat[path] = f"{flat[path]} {line}"
                else:
                    flat[path][index] = f"{flat[path][index]} {line}"
            continue
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, key_match.group(2)))
        value = key_match.group(3)
        path = tuple(key for _, key in stack)
        if value is not None and value != "":
            flat[path] = {} if value == "{}" else _unquote(value)
            last_scalar = (indent, path, None)
        else:
            last_scalar = None
    return flat


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        inner = value[1:-1]
        return inner.replace("''", "'") if value[0] == "'" else inner
    return value


@pytest.fixture(scope="module")
def config() -> dict[tuple[str, ...], object]:
    result = compose("config")
    assert result.returncode == 0, result.stderr
    return read_block_yaml(result.stdout)


@needs_compose
def test_config_validates_offline_without_secret_key():
    result = compose("config", "-q")
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr  # every variable has a default


@needs_compose
def test_services_are_exactly_the_production_set():
    result = compose("config", "--services")
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == EXPECTED_SERVICES


@needs_compose
def test_app_services_share_one_environment(config):
    def env(service: str, name: str):
        return config.get(("services", service, "environment", name))

    urls = {service: env(service, "DATABASE_URL") for service in APP_SERVICES}
    assert set(urls.values()) == {"postgresql+psycopg2://pathway:pathway@db:5432/pathway"}, urls
    for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "SECRET_KEY", "DOCUMENTS_DIR"):
        values = {env(service, name) for service in APP_SERVICES}
        assert len(values) == 1 and None not in values, (name, values)
    assert env("web", "CELERY_BROKER_URL") == "redis://redis:6379/0"
    assert env("web", "CELERY_RESULT_BACKEND") == "redis://redis:6379/1"
    assert env("web", "SECRET_KEY") == "change-me-in-production"


@needs_compose
def test_services_wiring(config):
    assert config[("services", "db", "image")] == "postgres:15"
    assert config[("services", "redis", "image")] == "redis:7"
    assert "pg_isready" in " ".join(config[("services", "db", "healthcheck", "test")])
    assert config[("services", "redis", "healthcheck", "test")][-2:] == ["redis-cli", "ping"]
    assert "/api/v1/health" in " ".join(config[("services", "web", "healthcheck", "test")])
    web_command = " ".join(config[("services", "web", "command")])
    assert "pathway db upgrade && pathway models deploy" in web_command
    assert "gunicorn -w 3 -b 0.0.0.0:8000" in web_command
    assert "app:create_app()" in web_command
    for service in APP_SERVICES:
        for dependency in ("db", "redis"):
            condition = config[("services", service, "depends_on", dependency, "condition")]
            assert condition == "service_healthy", (service, dependency)
    for service in ("worker", "beat"):
        command = config[("services", service, "command")]
        assert command[:3] == ["celery", "-A", "app.worker:celery_app"], command
    assert "worker" in config[("services", "worker", "command")]
    assert "beat" in config[("services", "beat", "command")]
    for service in ("web", "worker"):
        assert "documents:/srv/documents:rw" in config[("services", service, "volumes")]
    assert ("volumes", "documents") in config


@needs_compose
def test_secret_key_comes_from_the_environment():
    result = compose("config", SECRET_KEY="from-the-environment")
    assert result.returncode == 0, result.stderr
    config = read_block_yaml(result.stdout)
    for service in APP_SERVICES:
        assert config[("services", service, "environment", "SECRET_KEY")] == "from-the-environment"


def test_block_yaml_reader():
    text = (
        "services:\n"
        "  web:\n"
        "    command:\n"
        "    - sh\n"
        "    - 'yes'\n"
        "    - a long\n"
        "      folded item\n"
        "    environment:\n"
        "      LONG: a b\n"
        "        c d\n"
        "    ports:\n"
        "    - published: 8000\n"
        "      target: 8000\n"
        "volumes:\n"
        "  documents: {}\n"
    )
    flat = read_block_yaml(text)
    assert flat[("services", "web", "command")] == ["sh", "yes", "a long folded item"]
    assert flat[("services", "web", "environment", "LONG")] == "a b c d"
    assert flat[("volumes", "documents")] == {}
