"""delivery plan: enablers, objectives, actions (RAG) and status history

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 03:45:00.000000
"""

from alembic import op
import sqlalchemy as sa



revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_enablers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_enablers")),
        sa.UniqueConstraint("name", name=op.f("uq_plan_enablers_name")),
    )
    op.create_table(
        "plan_objectives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enabler_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enabler_id"], ["plan_enablers.id"], name=op.f("fk_plan_objectives_enabler_id_plan_enablers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_objectives")),
        sa.UniqueConstraint("reference", name=op.f("uq_plan_objectives_reference")),
    )
    op.create_index(op.f("ix_plan_objectives_enabler_id"), "plan_objectives", ["enabler_id"])
    op.create_table(
        "plan_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("objective_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owners", sa.String(length=500), nullable=False),
        sa.Column("timeline", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("commentary", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["objective_id"], ["plan_objectives.id"], name=op.f("fk_plan_actions_objective_id_plan_objectives")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_plan_actions_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_actions")),
        sa.UniqueConstraint("reference", name=op.f("uq_plan_actions_reference")),
    )
    op.create_index(op.f("ix_plan_actions_objective_id"), "plan_actions", ["objective_id"])
    op.create_index(op.f("ix_plan_actions_status"), "plan_actions", ["status"])
    op.create_table(
        "plan_status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("commentary", sa.Text(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_by", sa.String(length=250), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"], ["plan_actions.id"], name=op.f("fk_plan_status_changes_action_id_plan_actions")
        ),
        sa.ForeignKeyConstraint(
            ["changed_by_id"], ["users.id"], name=op.f("fk_plan_status_changes_changed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_status_changes")),
    )
    op.create_index(op.f("ix_plan_status_changes_action_id"), "plan_status_changes", ["action_id"])


def downgrade() -> None:
    op.drop_table("plan_status_changes")
    op.drop_table("plan_actions")
    op.drop_table("plan_objectives")
    op.drop_table("plan_enablers")
