"""A diagram that escapes the sandbox fails its case step with 422 and writes nothing.

The version is inserted directly, bypassing deploy-time validation, as a version deployed before a
validation rule existed would be.
"""

from __future__ import annotations

from case_diagrams import MODEL, case_model, evil_step
from factories import auth, deploy_files, make_user, notify
from sqlalchemy import func, select
from unit.engine.diagrams import compile_unchecked

from app.audit import AuditEvent
from app.cases import Case, Task
from app.core.web import transaction
from app.engine import SERIALIZER_VERSION, content_hash
from app.process_models import latest_version
from app.process_models.models import ProcessModelVersion


def _insert_unvalidated_version(app, attack: str) -> int:
    """v(n+1) of the case model whose first step is a script that tries ``__import__('os')``."""
    files = case_model(first_step=evil_step(attack))
    spec = compile_unchecked(files, MODEL)  # CaseParser + spec_to_dict: no sandbox pre-check
    with app.app_context(), transaction() as session:
        deployed = latest_version(MODEL)
        forms = {k: v for k, v in deployed.files.items() if k.startswith("forms/")}
        all_files = {**{k: v.decode() for k, v in files.items()}, **forms}
        version = ProcessModelVersion(
            model_id=MODEL,
            version=deployed.version + 1,
            content_hash=content_hash({k: v.encode() for k, v in all_files.items()}),
            files=all_files,
            spec=spec,
            serializer_version=SERIALIZER_VERSION,
            deployed_by="legacy import",
        )
        session.add(version)
        session.flush()
        return version.version


def _counts(app) -> tuple[int, int, int]:
    with app.extensions["db_sessions"]() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model))
            for model in (Case, Task, AuditEvent)
        )


def test_a_sandbox_escape_fails_the_step_with_422_and_writes_nothing(app, client, tmp_path):
    marker = tmp_path / "pwned"
    adviser = make_user(app, "adviser")
    assert deploy_files(app, MODEL, case_model()) == (MODEL, 1, True)
    earlier = notify(client, adviser)  # a case on the valid v1
    assert earlier.status_code == 201, earlier.json
    assert _insert_unvalidated_version(app, f"__import__('os').system('touch {marker}')") == 2
    before = _counts(app)

    failed = notify(client, adviser)

    assert failed.status_code == 422, failed.json
    body = failed.json
    assert body["error"] == "step_failed"
    assert body["element_id"] == "escape_attempt"
    assert body["message"].startswith("The process step failed at 'escape_attempt': ")
    assert "refused by the sandbox" in body["message"] and "__import__" in body["message"]
    assert "Traceback" not in body["message"]
    assert _counts(app) == before  # no case, no task, no audit event
    assert not marker.exists()

    # everything else keeps working: the API, and the case that started on v1
    assert client.get("/api/v1/health").status_code == 200
    listed = client.get("/api/v1/cases", headers=auth(adviser))
    assert listed.status_code == 200 and listed.json["total"] == 1
    [task] = client.get("/api/v1/tasks", headers=auth(adviser)).json["items"]
    done = client.post(
        f"/api/v1/tasks/{task['id']}/complete",
        json={"data": {"decision": "accept_monitoring", "reasons": "Evidence complete."}},
        headers=auth(adviser),
    )
    assert done.status_code == 200, done.json
    assert done.json["case"]["stage"] == "monitoring"

    # deploying a valid model again lets notifications through
    assert deploy_files(app, MODEL, case_model()) == (MODEL, 3, True)
    again = notify(client, adviser)
    assert again.status_code == 201, again.json
    assert not marker.exists()
