"""letters.generate on both databases: one document per recipient, evidence hashes, case view."""

from __future__ import annotations

import re
from typing import Any

import pytest
from factories import auth, deploy_default
from factories_api import api_user, db_row, open_case
from sqlalchemy import select

import service_tasks
from app.audit import AuditEvent
from app.core.web import transaction
from app.documents import Document
from service_tasks.registry import ServiceTaskError

TEMPLATES = ["D4", "D5", "D8", "D9", "D10", "D13"]
FIGURES = {
    "date_from": "2026-09-03",
    "date_to": "2026-11-20",
    "possible": 110,
    "present": 88,
    "attendance_pct": 80.0,
    "authorised": 4,
    "unauthorised": 18,
    "unauthorised_by_code": {"G": 0, "N": 10, "O": 6, "U": 2},
    "late_before_close": 3,
    "late_after_close": 2,
}


def generate(app: Any, **params: Any) -> dict[str, Any]:
    with app.app_context(), transaction():
        return service_tasks.call("letters.generate", params)


@pytest.fixture
def case(app, client) -> dict[str, Any]:
    deploy_default(app)
    return open_case(client, api_user(app, "adviser"))


def test_one_document_per_recipient_with_evidence(app, case):
    result = generate(
        app,
        template="D4",
        case_reference=case["reference"],
        recipients=["Jamie Marsh", {"full_name": "Sam  Marsh"}],
        data={"figures": FIGURES, "monitoring_start": "2026-11-23", "officer_name": "Alex Morgan"},
    )
    documents = result["documents"]
    assert [(d["template"], d["recipient"]) for d in documents] == [
        ("D4", "Jamie Marsh"),
        ("D4", "Sam Marsh"),
    ]
    first, second = (db_row(app, Document, d["id"]) for d in documents)
    assert first.case_id == second.case_id == case["case_id"]
    assert re.fullmatch(r"[0-9a-f]{64}", first.template_version)
    assert first.template_version == second.template_version
    assert re.fullmatch(r"[0-9a-f]{64}", first.data_hash)
    assert first.data_hash != second.data_hash  # the recipient is part of the merge data
    html = first.html
    for text in ("Riverside County Council", "Dear Jamie Marsh", "Alex Morgan", "2026-11-23"):
        assert text in html
    assert case["reference"] in html
    assert "<table>" in html and "80.0%" in html and "code N" in html
    with app.extensions["db_sessions"]() as session:
        events = session.scalars(
            select(AuditEvent).where(
                AuditEvent.case_id == case["case_id"],
                AuditEvent.event_type == "document_generated",
            )
        ).all()
    assert [e.detail["document_id"] for e in events] == [d["id"] for d in documents]
    assert events[0].detail["template_version"] == first.template_version


def test_same_data_same_hash(app, case):
    params = {
        "template": "D13",
        "case_reference": case["reference"],
        "recipients": ["Jamie Marsh"],
        "data": {"closure_reason": "improved", "letter_date": "2027-01-08"},
    }
    one, two = generate(app, **params), generate(app, **params)
    a, b = (db_row(app, Document, r["documents"][0]["id"]) for r in (one, two))
    assert a.id != b.id
    assert a.data_hash == b.data_hash
    assert "improved" in a.html and "2027-01-08" in a.html


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_council_template_renders_with_and_without_figures(app, case, template):
    with_figures = generate(
        app,
        template=template,
        case_reference=case["reference"],
        recipients="Jamie Marsh",
        data={"figures": FIGURES},
    )
    without = generate(
        app, template=template, case_reference=case["reference"], recipients=["Jamie"], data={}
    )
    html = db_row(app, Document, with_figures["documents"][0]["id"]).html
    assert "Riverside County Council" in html and "Jamie Marsh" in html and "<table>" in html
    plain = db_row(app, Document, without["documents"][0]["id"]).html
    assert "<table>" not in plain and "Dear Jamie," in plain


def test_data_cannot_inject_markup_or_run_template_code(app, case):
    result = generate(
        app,
        template="D13",
        case_reference=case["reference"],
        recipients=["<script>alert(1)</script>"],
        data={"summary": "{{ 7 * 7 }} <b>bold</b>", "closure_reason": "improved"},
    )
    html = db_row(app, Document, result["documents"][0]["id"]).html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "{{ 7 * 7 }}" in html and "49" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"template": "D99"}, "unknown_template"),
        ({"template": "../forms/notification.schema"}, "unknown_template"),
        ({"template": "_letter"}, "unknown_template"),
        ({"recipients": []}, "bad_recipients"),
        ({"recipients": [""]}, "bad_recipients"),
        ({"recipients": 3}, "bad_recipients"),
        ({"case_reference": "ATT-1999-000009"}, "unknown_case"),
        ({"data": ["not", "a", "dict"]}, "bad_data"),
    ],
)
def test_letter_errors(app, case, params, code):
    base = {
        "template": "D4",
        "case_reference": case["reference"],
        "recipients": ["Jamie Marsh"],
        "data": {},
    }
    with pytest.raises(ServiceTaskError) as caught:
        generate(app, **{**base, **params})
    assert caught.value.code == code


def test_case_view_lists_documents_scoped_like_the_case(app, client, case):
    result = generate(
        app, template="D4", case_reference=case["reference"], recipients=["A", "B"], data={}
    )
    adviser = api_user(app, "adviser")
    school_a = api_user(app, "school", school="100001")
    school_b = api_user(app, "school", school="100002")
    body = client.get(f"/api/v1/cases/{case['case_id']}", headers=auth(adviser)).json
    assert [d["id"] for d in body["documents"]] == [d["id"] for d in result["documents"]]
    assert set(body["documents"][0]) == {"id", "template", "recipient", "created_at"}
    assert body["documents"][1]["recipient"] == "B"
    own = client.get(f"/api/v1/cases/{case['case_id']}", headers=auth(school_a))
    assert own.status_code == 200 and len(own.json["documents"]) == 2
    other = client.get(f"/api/v1/cases/{case['case_id']}", headers=auth(school_b))
    assert other.status_code == 404
