"""dashboard: case_flags (pupil groups from the notification) and period-query indexes

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 01:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_FLAGS = ("sen_support", "ehcp", "social_worker", "free_school_meals")


def upgrade() -> None:
    op.create_table(
        "case_flags",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("sen_support", sa.Boolean(), nullable=False),
        sa.Column("ehcp", sa.Boolean(), nullable=False),
        sa.Column("social_worker", sa.Boolean(), nullable=False),
        sa.Column("free_school_meals", sa.Boolean(), nullable=False),
        sa.Column("request_type", sa.String(length=30), nullable=True),
        sa.Column("unauthorised_sessions", sa.Integer(), nullable=True),
        sa.Column("late_sessions", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_flags_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_flags")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_opened_at", ["opened_at"], unique=False)
        batch_op.create_index("ix_cases_closed_at", ["closed_at"], unique=False)
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tasks_case_id_element_id_status", ["case_id", "element_id", "status"], unique=False
        )
        batch_op.create_index(
            "ix_tasks_element_id_completed_at", ["element_id", "completed_at"], unique=False
        )
        batch_op.create_index("ix_tasks_completed_at", ["completed_at"], unique=False)
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_event_type_at", ["event_type", "at"], unique=False)
    _backfill_case_flags()


def _backfill_case_flags() -> None:
    """One case_flags row per existing case, from its case_started notification."""
    events = sa.table(
        "audit_events",
        sa.column("case_id", sa.Integer()),
        sa.column("event_type", sa.String()),
        sa.column("detail", sa.JSON()),
    )
    flags = sa.table(
        "case_flags",
        sa.column("case_id", sa.Integer()),
        *(sa.column(name, sa.Boolean()) for name in _FLAGS),
        sa.column("request_type", sa.String()),
        sa.column("unauthorised_sessions", sa.Integer()),
        sa.column("late_sessions", sa.Integer()),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(events.c.case_id, events.c.detail).where(
            events.c.event_type == "case_started", events.c.case_id.is_not(None)
        )
    ).all()
    batch, seen = [], set()
    for case_id, detail in rows:
        if case_id in seen:
            continue
        seen.add(case_id)
        note = (detail or {}).get("notification") or {}
        given = note.get("flags") or {}
        figures = note.get("attendance") or {}
        batch.append(
            {
                "case_id": case_id,
                **{name: bool(given.get(name)) for name in _FLAGS},
                "request_type": note.get("request_type"),
                "unauthorised_sessions": figures.get("unauthorised_absences"),
                "late_sessions": figures.get("late_after_close"),
            }
        )
    if batch:
        op.bulk_insert(flags, batch)


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_event_type_at")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_completed_at")
        batch_op.drop_index("ix_tasks_element_id_completed_at")
        batch_op.drop_index("ix_tasks_case_id_element_id_status")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_closed_at")
        batch_op.drop_index("ix_cases_opened_at")
    op.drop_table("case_flags")
