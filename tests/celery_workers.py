"""Real Celery workers for the worker tests: subprocesses of ``celery -A ... worker``.

Also usable as a Celery app module (``celery -A celery_workers:celery_app``): with
``PATHWAY_TEST_STALL_MARKER`` set, every timer step stalls *after* writing to the database (the
case row is updated and audit rows are flushed inside the open transaction), touches the marker
file and sleeps, so a test can kill the worker in the middle of a step.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
STALL_MARKER = "PATHWAY_TEST_STALL_MARKER"


def _install_stall(marker: Path) -> None:
    from app.cases import runner
    from app.core.uow import current_session

    real = runner.fire_timers

    def stalled(case: Any, now: Any) -> Any:
        result = real(case, now)
        current_session().flush()  # the step's writes are in the database, uncommitted
        marker.write_text(str(os.getpid()))
        time.sleep(600)
        return result

    runner.fire_timers = stalled


if os.environ.get(STALL_MARKER):
    _install_stall(Path(os.environ[STALL_MARKER]))

from app.worker import celery_app  # noqa: E402, F401  (for ``celery -A celery_workers``)


def worker_env(app: Any, broker: str, **extra: str) -> dict[str, str]:
    """The environment a worker needs to run against the test app's database."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": app.config["DATABASE_URL"],
            "INSTANCE_DIR": app.config["INSTANCE_DIR"],
            "BPMN_DIR": app.config["BPMN_DIR"],
            "FORMS_DIR": app.config["FORMS_DIR"],
            "SECRET_KEY": "test-secret",
            "CELERY_BROKER_URL": broker,
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(HERE), env.get("PYTHONPATH", "")]),
            "PYTHONWARNINGS": "ignore",
        }
    )
    env.update(extra)
    return env


class Worker:
    """One ``celery worker`` process (prefork, one child) in its own process group."""

    def __init__(
        self,
        env: dict[str, str],
        log: Path,
        queue: str,
        app_module: str = "app.worker:celery_app",
        beat: bool = False,
    ) -> None:
        self.log = log
        self.name = f"w{uuid.uuid4().hex[:8]}"
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            app_module,
            "worker",
            "--concurrency",
            "1",
            "--queues",
            queue,
            "--hostname",
            f"{self.name}@%h",
            "--without-mingle",
            "--without-gossip",
            "--loglevel",
            "INFO",
        ]
        if beat:
            command += ["-B", "--schedule", str(log.with_suffix(".beat"))]
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if re.search(r"\bready\.", self.output()):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"worker did not start:\n{self.output()[-3000:]}")

    def succeeded(self, task: str) -> int:
        return len(re.findall(rf"Task {re.escape(task)}\[[^\]]+\] succeeded", self.output()))

    def kill(self) -> None:
        """SIGKILL the worker and its pool child at once (a crash: no cleanup runs)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """Warm shutdown (the worker stops its pool child itself)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_for(predicate: Any, timeout: float = 60, interval: float = 0.2, what: str = "") -> Any:
    """Poll ``predicate`` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what or predicate}")


def producer(broker: str) -> Any:
    """A Celery app that only publishes to ``broker``."""
    from celery import Celery

    from app.tasks.settings import celery_settings

    settings = celery_settings(
        {
            "CELERY_BROKER_URL": broker,
            "CELERY_RESULT_BACKEND": "cache+memory://",
            "INSTANCE_DIR": "/nonexistent",
        }
    )
    sender = Celery("pathway-test-producer", set_as_current=False)
    sender.conf.update(settings)
    return sender


def forget_queue(broker: str, queue: str) -> None:
    """Delete a test queue's key from a shared Redis (messages left by a killed worker)."""
    if not broker.startswith("redis://"):
        return
    import redis

    client = redis.Redis.from_url(broker)
    try:
        client.delete(queue)
    finally:
        client.close()
