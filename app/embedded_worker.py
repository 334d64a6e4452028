"""The embedded Celery worker that `pathway serve` runs beside the web app (a child process)."""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import click
from flask import Flask


def embedded_worker_command(app: Flask) -> list[str]:
    """``celery worker -B`` for the app's configuration (beat runs inside the worker)."""
    instance = Path(app.config["INSTANCE_DIR"])
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "app.worker:celery_app",
        "worker",
        "-B",
        "--schedule",
        str(instance / "celerybeat-schedule"),
        "--concurrency",
        str(app.config.get("WORKER_CONCURRENCY") or os.environ.get("WORKER_CONCURRENCY", "2")),
        "--hostname",
        f"embedded-{os.getpid()}@%h",
        "--loglevel",
        os.environ.get("WORKER_LOGLEVEL", "INFO"),
    ]


def _worker_environment(app: Flask) -> dict[str, str]:
    from app.tasks.settings import celery_settings

    env = dict(os.environ)
    settings = celery_settings(app.config)  # the broker the web app publishes to
    env["CELERY_BROKER_URL"] = settings["broker_url"]
    env["CELERY_RESULT_BACKEND"] = settings["result_backend"]
    for name in (
        "INSTANCE_DIR",
        "DATABASE_URL",
        "BPMN_DIR",
        "FORMS_DIR",
        "DOCUMENTS_DIR",
        "LETTERS_DIR",
        "TIMER_POLL_SECONDS",
    ):
        value = app.config.get(name)
        if value:
            env[name] = str(value)
    return env


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Ask Linux to stop the worker if ``pathway serve`` dies without cleaning up."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start_embedded_worker(app: Flask) -> subprocess.Popen[bytes]:
    """Start the worker (with beat) as a child process; it stops when ``serve`` stops."""
    Path(app.config["INSTANCE_DIR"]).mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        embedded_worker_command(app),
        env=_worker_environment(app),
        stdin=subprocess.DEVNULL,
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
    )
    atexit.register(stop_embedded_worker, process)
    click.echo(f"Embedded Celery worker with beat started (pid {process.pid}).")
    return process


def stop_embedded_worker(process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """Ask the worker to finish its current task and stop; kill it if it does not."""
    if process.poll() is not None:
        return
    process.terminate()  # SIGTERM: Celery's warm shutdown
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
