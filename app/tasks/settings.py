"""Celery settings for an app configuration, and ``make_celery`` (worker and producers).

Conventions (shared/style.md section 3): JSON only, tasks take ids, ``acks_late``, explicit time
limits, explicit names ``"<feature>.<verb>"``.  The worker's own Celery app is ``app.worker``.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from celery import Celery
from sqlalchemy.exc import IntegrityError

from app.config import load_config
from app.tasks import AppTask

#: how often an idle embedded worker polls its SQLite broker (kombu's default is 1 s)
EMBEDDED_POLLING_SECONDS = 0.2
#: delivered messages of the embedded broker are deleted this often (kombu never deletes them)
PURGE_SECONDS = 600.0
#: documents whose render message was lost are queued again this often
RENDER_SWEEP_SECONDS = 300.0
#: how often beat opens the current term's targeting meetings (daily)
TSM_SWEEP_SECONDS = 24 * 3600

TASK_MODULES = (
    "app.cases.tasks",
    "app.documents.tasks",
    "app.attendance.tasks",
    "app.targeting.tasks",
    "app.tasks.broker",
)


def is_embedded_broker(url: str) -> bool:
    """Whether ``url`` is kombu's SQLAlchemy transport (the embedded default)."""
    return url.startswith(("sqla+", "sqlalchemy+"))


def _make_sqlite_folder(url: str) -> None:
    """Create the folder of a ``...sqlite:///path`` broker or result-backend file."""
    database = url.split("+", 1)[-1]
    if database.startswith("sqlite:///"):
        Path(database.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def _tolerate_concurrent_queue_creation(channel_cls: Any) -> None:
    """Let two processes declare the same new queue at once (a worker starting while a web
    request publishes): kombu checks, then inserts, and only retries on OperationalError, so the
    loser of that race died with an IntegrityError.  Now it rolls back and finds the winner's."""
    original = channel_cls._get_or_create
    if getattr(original, "tolerates_races", False):
        return

    def get_or_create(self: Any, queue: str) -> Any:
        try:
            return original(self, queue)
        except IntegrityError:
            self.session.rollback()
            return original(self, queue)

    get_or_create.tolerates_races = True  # type: ignore[attr-defined]
    channel_cls._get_or_create = get_or_create


def _prepare_embedded_broker(url: str) -> None:
    from kombu.transport import sqlalchemy as kombu_sqla

    # kombu hands broker_transport_options to create_engine(), so the polling interval can only
    # be set on the transport class (shared/tooling.md section 3).
    kombu_sqla.Transport.polling_interval = EMBEDDED_POLLING_SECONDS
    _tolerate_concurrent_queue_creation(kombu_sqla.Channel)
    database = url.split("+", 1)[1]
    if database.startswith("sqlite:///"):
        # WAL is a property of the file: set once, every connection (web, worker, beat) uses it.
        # Publishing then costs one short write, and polling readers never block it.
        with contextlib.closing(sqlite3.connect(database.removeprefix("sqlite:///"))) as db:
            db.execute("PRAGMA journal_mode=WAL")


def beat_schedule(config: Mapping[str, Any]) -> dict[str, Any]:
    """The periodic jobs (``TIMER_POLL_SECONDS`` sets the timer sweep, default every minute)."""
    sweep = float(config.get("TIMER_POLL_SECONDS") or 60)
    schedule: dict[str, Any] = {
        # expires: a sweep still queued when the next one is due is dropped, not piled up
        "fire-due-timers": {
            "task": "cases.fire_due_timers",
            "schedule": sweep,
            "options": {"expires": sweep},
        },
        # idempotent: opens the term's meeting for schools that have none yet
        "open-term-meetings": {
            "task": "targeting.open_term_meetings",
            "schedule": TSM_SWEEP_SECONDS,
            "options": {"expires": TSM_SWEEP_SECONDS},
        },
        "render-unrendered-documents": {
            "task": "documents.requeue_unrendered",
            "schedule": RENDER_SWEEP_SECONDS,
            "options": {"expires": RENDER_SWEEP_SECONDS},
        },
    }
    if is_embedded_broker(str(config["CELERY_BROKER_URL"])):
        schedule["purge-delivered-messages"] = {
            "task": "worker.purge_delivered_messages",
            "schedule": PURGE_SECONDS,
            "options": {"expires": PURGE_SECONDS},
        }
    return schedule


def _follow_instance_dir(config: Mapping[str, Any], name: str, filename: str) -> str:
    """The configured URL; the embedded default moves with an overridden INSTANCE_DIR.

    ``load_config`` derives the default broker and result files from the environment's
    INSTANCE_DIR; an app created with another INSTANCE_DIR (tests, benchmarks) keeps its broker
    files there too instead of sharing the checkout's ``instance/``.
    """
    url = str(config[name])
    default_dir = str(load_config({"SECRET_KEY": "-"})["INSTANCE_DIR"])
    scheme = "sqla+sqlite:///" if name == "CELERY_BROKER_URL" else "db+sqlite:///"
    if url == f"{scheme}{Path(default_dir) / filename}" and config["INSTANCE_DIR"] != default_dir:
        return f"{scheme}{Path(config['INSTANCE_DIR']) / filename}"
    return url


def celery_settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """Celery settings for an app configuration."""
    broker = _follow_instance_dir(config, "CELERY_BROKER_URL", "celery-broker.sqlite")
    backend = _follow_instance_dir(config, "CELERY_RESULT_BACKEND", "celery-results.sqlite")
    settings: dict[str, Any] = {
        "broker_url": broker,
        "result_backend": backend,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        # a task is acknowledged when it has finished, so a lost worker's message is redelivered
        # (Redis: after the visibility timeout); every task here is idempotent
        "task_acks_late": True,
        "worker_prefetch_multiplier": 1,
        "task_time_limit": 300,
        "task_soft_time_limit": 270,
        # results are not used: state lives in the database (documents, imports, cases)
        "task_ignore_result": True,
        "timezone": "UTC",
        "enable_utc": True,
        "broker_connection_retry_on_startup": True,
        "beat_schedule": beat_schedule(config),
        "beat_schedule_filename": str(Path(config["INSTANCE_DIR"]) / "celerybeat-schedule"),
        "imports": TASK_MODULES,
    }
    _make_sqlite_folder(broker)
    _make_sqlite_folder(backend)
    if is_embedded_broker(broker):
        _prepare_embedded_broker(broker)
        # SQLite takes one writer at a time: wait for the lock rather than fail
        settings["broker_transport_options"] = {"connect_args": {"timeout": 30}}
    return settings


def make_celery(config: Mapping[str, Any]) -> Celery:
    """A Celery app for a configuration (the worker's, or a web process's producer)."""
    celery = Celery("attendance_pathway", task_cls=AppTask, set_as_current=False)
    celery.conf.update(celery_settings(config))
    return celery
