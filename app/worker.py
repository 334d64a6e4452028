"""The Celery application: ``celery -A app.worker:celery_app worker [-B] | beat``.

Configured from the environment like the web app (``app.config.load_config``: DATABASE_URL,
CELERY_BROKER_URL, INSTANCE_DIR ...; the settings are in ``app.tasks.settings``).  Importing this
module does not build the Flask app: each worker process builds it on its first task.

Broker: by default kombu's SQLAlchemy transport on its own SQLite file under ``instance/`` (the
embedded default: ``pathway serve`` runs a worker with beat beside the web app, no server
needed); ``CELERY_BROKER_URL=redis://...`` switches to Redis (production, docker-compose).

Tasks (``app/<feature>/tasks.py``, each body one service call): ``cases.fire_due_timers``,
``documents.render_pdf``, ``documents.requeue_unrendered``, ``attendance.import_file`` and
``worker.purge_delivered_messages``; the beat schedule is ``app.tasks.settings.beat_schedule``.
"""

from __future__ import annotations

import threading

from flask import Flask

from app.config import load_config
from app.tasks.settings import make_celery

_lock = threading.Lock()
_flask_app: Flask | None = None


def worker_flask_app() -> Flask:
    """The Flask app this worker process runs tasks in: built once, configured from the env."""
    global _flask_app
    with _lock:
        if _flask_app is None:
            from app import create_app

            _flask_app = create_app()
            _flask_app.extensions["celery"] = celery_app  # jobs queued by jobs go out here
    return _flask_app


celery_app = make_celery(load_config())
celery_app.flask_app_factory = worker_flask_app
celery_app.set_current()
