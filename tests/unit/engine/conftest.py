"""Engine unit-test fixtures: an adapter with fake service operators (no database, no Flask)."""

from __future__ import annotations

from typing import Any

import pytest

from app.engine import WorkflowEngine


class FakeServices:
    """Stands in for ``service_tasks.call``: records each call; ``test.fail`` raises."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, name: str, params: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((name, params))
        if name == "test.fail":
            raise RuntimeError("connector down")
        return {"echo": params}


@pytest.fixture
def services() -> FakeServices:
    return FakeServices()


@pytest.fixture
def engine(services: FakeServices) -> WorkflowEngine:
    return WorkflowEngine(invoke_service=services)
