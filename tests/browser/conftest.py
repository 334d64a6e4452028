"""Real-browser tests: the app served on 127.0.0.1 in a thread, driven by Debian's Chromium.

Playwright drives ``/usr/bin/chromium`` (``apt-get install chromium``; ``make test`` installs it).
No browser is ever downloaded: ``playwright install`` is never run.  Every test here is skipped,
with the reason, when Chromium or the ``playwright`` package is missing.  The app runs on the real
pathway (``bpmn/`` and ``forms/``) with a fresh SQLite database.  Screenshots of the main pages are
saved under ``tests/browser/output/`` (ignored by git).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from factories import SCHOOL_A, SCHOOL_B

from app import create_app
from app.accounts import create_school, create_user
from app.attendance import load_default_calendar
from app.core.web import transaction
from app.migrations import upgrade
from app.process_models import deploy_directory

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
OUTPUT = Path(__file__).resolve().parent / "output"
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
PASSWORD = "browser-pass-2026"
#: the flags tooling.md section 4 verified with Debian's Chromium
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
USERS = {
    "school": ("school@riverside.example", "Priya Shah", "school", SCHOOL_A[0]),
    "adviser": ("adviser@council.example", "Alex Morgan", "adviser", None),
}


def _skip_reason() -> str | None:
    if not CHROMIUM.exists():
        return "Debian's Chromium is not installed (/usr/bin/chromium): apt-get install chromium"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    reason = _skip_reason()
    for item in items:
        if "tests/browser/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@dataclass
class LiveServer:
    """The served app and its address."""

    app: Any
    url: str


def _prepare(app: Any) -> None:
    with app.app_context(), transaction():
        for urn, name in (SCHOOL_A, SCHOOL_B):
            create_school(urn, name)
        for email, name, role, school in USERS.values():
            create_user(email, role=role, school_urn=school, password=PASSWORD, name=name)
        deploy_directory(None, Path(app.config["BPMN_DIR"]), Path(app.config["FORMS_DIR"]))
        load_default_calendar()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from werkzeug.serving import make_server

    folder = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{folder / 'browser.sqlite'}"
    upgrade(url)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "browser-test-secret",
            "DATABASE_URL": url,
            "INSTANCE_DIR": str(folder / "instance"),
            "BPMN_DIR": str(ROOT / "bpmn"),
            "FORMS_DIR": str(ROOT / "forms"),
        }
    )
    _prepare(app)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        app.extensions["db_engine"].dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A page with JavaScript on (GOV.UK Frontend's enhancements run)."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def page_without_js(browser: Any) -> Iterator[Any]:
    """A page with JavaScript switched off: every form must still work."""
    context = browser.new_context(
        viewport={"width": 1100, "height": 900}, java_script_enabled=False
    )
    try:
        yield context.new_page()
    finally:
        context.close()


def screenshot(page: Any, name: str) -> None:
    """Keep a full-page screenshot of the main pages as a test artefact."""
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)


def sign_in(page: Any, server: LiveServer, who: str) -> None:
    page.goto(f"{server.url}/sign-in")
    page.fill("#email", USERS[who][0])
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA violations on the current page (JavaScript must be on)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """() => axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]
