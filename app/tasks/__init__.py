"""Background jobs: the base task class and how services queue jobs (after commit, by name).

Services never import Celery tasks.  They call ``enqueue("documents.render_pdf", document_id)``
inside their unit of work; the job is published only once that unit of work has committed, so a
rolled-back request never leaves a job behind and a job never runs before its data is visible.

How a job is sent depends on the ``CELERY_DISPATCH`` setting:

``broker`` (the default outside tests)
    publish to the Celery broker (``CELERY_BROKER_URL``);
``record`` (the default when ``TESTING``)
    append ``(name, args)`` to ``app.extensions["dispatched_tasks"]``; tests run the task body
    themselves (there is no ``task_always_eager``).
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from flask import Flask, current_app, has_app_context

from app.core.uow import after_commit

log = logging.getLogger(__name__)


class AppTask(Task):  # type: ignore[misc]
    """Runs a task inside a Flask app context: the caller's (tests) or the worker's own.

    The worker's Celery app carries ``flask_app_factory`` (``app.worker.worker_flask_app``),
    so this package never imports the app factory (features below it import this package).
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if has_app_context():
            return super().__call__(*args, **kwargs)
        with self.app.flask_app_factory().app_context():
            return super().__call__(*args, **kwargs)


def dispatch_mode(flask_app: Flask) -> str:
    """``broker`` or ``record`` (see the module docstring)."""
    configured = flask_app.config.get("CELERY_DISPATCH")
    if configured:
        return str(configured)
    return "record" if flask_app.config.get("TESTING") else "broker"


def producer(flask_app: Flask) -> Any:
    """The Celery app that publishes for ``flask_app`` (built from its config, cached)."""
    celery = flask_app.extensions.get("celery")
    if celery is None:
        from app.tasks.settings import make_celery

        celery = flask_app.extensions.setdefault("celery", make_celery(flask_app.config))
    return celery


def send_now(flask_app: Flask, name: str, *args: Any) -> None:
    """Publish job ``name`` now (or record it, see ``CELERY_DISPATCH``)."""
    if dispatch_mode(flask_app) == "record":
        flask_app.extensions.setdefault("dispatched_tasks", []).append((name, args))
        return
    producer(flask_app).send_task(name, args=list(args))


def enqueue(name: str, *args: Any) -> None:
    """Queue job ``name`` with JSON-able ``args`` once the current unit of work commits."""
    flask_app = current_app._get_current_object()  # type: ignore[attr-defined]

    def publish() -> None:
        try:
            send_now(flask_app, name, *args)
        except Exception:  # the data is committed; the beat sweeps pick up what was not queued
            log.exception("could not queue %s%r", name, args)

    after_commit(publish)
