"""Migration 0007 fills ``case_flags`` for the cases that existed before it (SQLite file)."""

from __future__ import annotations

import json

from sqlalchemy import create_engine, text

from app.migrations import upgrade

_ROWS = [
    ("INSERT INTO schools (urn, name, created_at) VALUES ('100001', 'S', '2026-01-01')", {}),
    (
        "INSERT INTO process_model_versions (id, model_id, version, content_hash, files, spec,"
        " serializer_version, deployed_by, deployed_at)"
        " VALUES (1, 'attendance_case', 1, 'x', '{}', '{}', '1', 'test', '2026-01-01')",
        {},
    ),
    (
        "INSERT INTO cases (id, school_urn, pupil_upn, pupil_name, stage, status, opened_at,"
        " model_version_id, state, serializer_version, waiting_messages, version)"
        " VALUES (:id, '100001', 'A937200119001', 'P', 'triage', 'open', '2026-01-01', 1,"
        " '{}', '1', '[]', 1)",
        [{"id": 1}, {"id": 2}],
    ),
]


def test_upgrade_backfills_case_flags_from_each_case_started_event(tmp_path):
    url = f"sqlite:///{tmp_path / 'before.sqlite'}"
    upgrade(url, "0006")
    engine = create_engine(url)
    notification = {
        "flags": {"ehcp": True, "free_school_meals": True},
        "attendance": {"unauthorised_absences": 12, "late_after_close": 7},
        "request_type": "penalty_notice_holiday",
    }
    with engine.begin() as conn:
        for statement, rows in _ROWS:
            conn.execute(text(statement), rows)
        conn.execute(
            text(
                "INSERT INTO audit_events (case_id, actor_label, at, event_type, summary, detail)"
                " VALUES (1, 'x', '2026-01-01', 'case_started', 'opened', :detail)"
            ),
            {"detail": json.dumps({"notification": notification})},
        )
    upgrade(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM case_flags ORDER BY case_id")).mappings().all()
    engine.dispose()
    assert len(rows) == 1  # case 2 has no case_started event: nothing to project
    row = rows[0]
    assert (row["ehcp"], row["free_school_meals"], row["sen_support"]) == (1, 1, 0)
    assert row["request_type"] == "penalty_notice_holiday"
    assert (row["unauthorised_sessions"], row["late_sessions"]) == (12, 7)
