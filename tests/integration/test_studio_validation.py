"""Validation catches each problem class, pointing at the file and element, errors vs warnings."""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from case_diagrams import MODEL, case_model
from factories import deploy_files, make_user
from unit.engine.diagrams import (
    bpmn,
    business_rule_task,
    catalog,
    chain,
    definitions,
    dmn,
    end,
    flow,
    gateway,
    process,
    service_task,
    start,
    timer,
    user_task,
)

from app.engine import ModelCatalog, timer_expression_problem, validate_model


def _check(files, main="main", **catalog_overrides):
    errors, warnings = validate_model(files, main, catalog(**catalog_overrides))
    return [(p.file, p.element_id, p.message) for p in errors], [
        (p.file, p.element_id, p.message) for p in warnings
    ]


def test_unparseable_xml():
    good = definitions(chain("main", user_task("t")))
    errors, _ = _check({"main.bpmn": good[:-30]})
    assert errors[0][:2] == ("main.bpmn", None) and errors[0][2].startswith(
        "XML is not well formed"
    )


def test_unknown_form():
    errors, _ = _check(bpmn("main", user_task("triage", form="nope")))
    assert errors == [
        ("main.bpmn", "triage", "user task names form 'nope', which does not exist in forms/")
    ]


def test_unknown_operator_and_missing_parameter():
    errors, _ = _check(bpmn("main", service_task("a", "no.such"), service_task("b", params={})))
    assert errors == [
        ("main.bpmn", "a", "service task calls unknown operator 'no.such'"),
        ("main.bpmn", "b", "operator 'test.echo' needs parameter 'value'"),
    ]


@pytest.mark.parametrize(
    ("kind", "expression", "reason"),
    [
        ("duration", "P5D", 'timer duration P5D must be quoted: write "P5D"'),
        ("duration", '"5 days"', "is not a valid ISO 8601 duration"),
        ("duration", '"P5X"', "is not a valid ISO 8601 duration"),
        ("date", '"next monday"', "is not a valid ISO 8601 date"),
        ("duration", "42", "is not a text value"),
    ],
)
def test_invalid_timer_expressions_are_errors(kind, expression, reason):
    node = (
        timer("wait", duration=expression) if kind == "duration" else timer("wait", date=expression)
    )
    errors, _ = _check(bpmn("main", node))
    [(file, element, message)] = errors
    assert (file, element) == ("main.bpmn", "wait") and reason in message


@pytest.mark.parametrize(
    ("kind", "expression"),
    [
        ("duration", '"P5W"'),
        ("duration", '"PT2H"'),
        ("date", "due['due_at']"),
        ("date", '"2027-02-01T09:00:00+00:00"'),
        ("cycle", '"R3/PT1H"'),
    ],
)
def test_valid_timer_expressions(kind, expression):
    assert timer_expression_problem(kind, expression) is None


def _gateway_model(default):
    return {
        "main.bpmn": definitions(
            process(
                "main",
                start("s"),
                gateway("route", "Route?", default=default),
                user_task("a"),
                user_task("b"),
                end("e1"),
                end("e2"),
                flow("s", "route"),
                flow("route", "a", "x > 1", flow_id="flow_a"),
                flow("route", "b", "x <= 1", flow_id="flow_b"),
                flow("a", "e1"),
                flow("b", "e2"),
            )
        )
    }


def test_exclusive_gateway_without_default_is_a_warning():
    errors, warnings = _check(_gateway_model(None))
    assert errors == []
    [(file, element, message)] = warnings
    assert (file, element) == ("main.bpmn", "route")
    assert message.startswith("exclusive gateway has no default flow")
    assert _check(_gateway_model("flow_b")) == ([], [])


def test_unreachable_element_is_a_warning_and_is_still_checked():
    files = {
        "main.bpmn": definitions(
            process(
                "main",
                start("s"),
                user_task("a"),
                end("e"),
                user_task("orphan", form="nope"),
                flow("s", "a"),
                flow("a", "e"),
            )
        )
    }
    errors, warnings = _check(files)
    assert errors == []  # SpiffWorkflow never parses what no start event reaches
    assert warnings == [
        (
            "main.bpmn",
            "orphan",
            "no path from a start event reaches this userTask, so it can never run",
        )
    ]


def _dmn_model(produced_by_form):
    fields = {"triage": frozenset({"attendance_pct"} if produced_by_form else {"reasons"})}
    files = {
        "main.bpmn": definitions(
            chain("main", user_task("triage"), business_rule_task("classify", "attendance_band"))
        ),
        "band.dmn": dmn("attendance_band", "attendance_pct", "band", [("<= 90", '"persistent"')]),
    }
    return _check(files, form_fields=fields, seeded=frozenset({"notification"}))


def test_dmn_input_not_produced_upstream_is_a_warning():
    errors, warnings = _dmn_model(produced_by_form=False)
    assert errors == []
    assert warnings == [
        (
            "main.bpmn",
            "classify",
            "decision input 'Input' reads 'attendance_pct', which no step before this task "
            "produces",
        )
    ]
    assert _dmn_model(produced_by_form=True) == ([], [])


def test_the_real_pathway_has_no_errors(pathway_app):
    from app.process_models import build_catalog, read_model_dir

    with pathway_app.app_context():
        forms = Path(pathway_app.config["FORMS_DIR"])
        folder = Path(pathway_app.config["BPMN_DIR"]) / "attendance_case"
        errors, _warnings = validate_model(
            read_model_dir(folder), "attendance_case", build_catalog(forms)
        )
    assert errors == []


def test_the_draft_validate_endpoint_reports_errors_and_warnings(app, client):
    from factories_api import sign_in

    make_user(app, "process_owner", email="owner@example.test")
    deploy_files(app, MODEL, case_model())
    sign_in(client, "owner@example.test", "correct-horse-42")
    token = _csrf(client)
    assert (
        client.post(f"/studio/models/{MODEL}/draft", data={"csrf_token": token}).status_code == 302
    )
    file_url = f"/studio/api/models/{MODEL}/draft/files/{MODEL}.bpmn"
    body = client.get(file_url).json
    broken = body["text"].replace('value="triage"', 'value="nope"', 1)
    saved = client.put(
        file_url,
        json={"text": broken, "expected_version": body["version"]},
        headers={"X-CSRFToken": token},
    )
    assert saved.status_code == 200, saved.json
    result = client.post(
        f"/studio/api/models/{MODEL}/draft/validate", headers={"X-CSRFToken": token}
    ).json
    assert result["valid"] is False
    assert {
        "file": f"{MODEL}.bpmn",
        "element_id": "triage",
        "message": "user task names form 'nope', which does not exist in forms/",
    } in result["errors"]


def _csrf(client):
    from factories_api import csrf_from

    return csrf_from(client.get("/studio/").data)


# --- SpiffWorkflow's own test diagrams ----------------------------------------------------


def _spiff_sdist(tmp_path: Path) -> Path:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--no-binary",
            ":all:",
            "spiffworkflow==3.2.0",
            "-d",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    archives = list(tmp_path.glob("spiffworkflow-3.2.0.tar.gz"))
    if done.returncode or not archives:
        pytest.skip(f"the SpiffWorkflow 3.2.0 sdist could not be downloaded: {done.stderr[-300:]}")
    return archives[0]


@pytest.mark.slow
def test_the_validator_over_the_bpmn_files_in_spiffworkflows_sdist(tmp_path):
    archive = _spiff_sdist(tmp_path)
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if m.name.endswith((".bpmn", ".dmn"))]
        if not any(m.name.endswith(".bpmn") for m in members):
            pytest.skip(
                "SpiffWorkflow 3.2.0's sdist ships no BPMN test files "
                f"({len(tar.getmembers())} members, 0 .bpmn): nothing to validate"
            )
        tar.extractall(tmp_path / "sdist", members=members, filter="data")
    permissive = ModelCatalog(forms=frozenset(), operators={}, lanes={})
    for path in sorted((tmp_path / "sdist").rglob("*.bpmn")):
        dmns = {p.name: p.read_bytes() for p in path.parent.glob("*.dmn")}
        text = path.read_bytes()
        for process_id in _process_ids(text):
            errors, _warnings = validate_model({path.name: text, **dmns}, process_id, permissive)
            for problem in errors:  # anything refused says which file and why
                assert problem.message.strip(), (path, process_id)
                assert problem.file or problem.element_id, (path, process_id, problem)


def _process_ids(text: bytes) -> list[str]:
    from lxml import etree

    try:
        root = etree.fromstring(text)
    except etree.XMLSyntaxError:
        return ["(unparseable)"]
    bpmn_ns = "http://www.omg.org/spec/BPMN/20100524/MODEL"
    return [
        p.get("id") for p in root.iter(f"{{{bpmn_ns}}}process") if p.get("isExecutable") != "false"
    ]


def test_entity_declarations_are_refused_before_parsing():
    good = definitions(chain("main", user_task("t")))
    evil = good.replace(
        b"<bpmn:definitions",
        b'<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><bpmn:definitions',
        1,
    )
    errors, _ = _check({"main.bpmn": evil})
    assert errors == [
        ("main.bpmn", None, "DOCTYPE and ENTITY declarations are not allowed in model files")
    ]
