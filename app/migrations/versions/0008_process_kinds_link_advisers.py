"""school stage and targeting meetings: cases.kind, schools.link_adviser_id

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 02:45:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=20), server_default="case", nullable=False)
        )
        batch_op.create_index(batch_op.f("ix_cases_kind"), ["kind"], unique=False)
    with op.batch_alter_table("schools", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link_adviser_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_schools_link_adviser_id_users", "users", ["link_adviser_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("schools", schema=None) as batch_op:
        batch_op.drop_constraint("fk_schools_link_adviser_id_users", type_="foreignkey")
        batch_op.drop_column("link_adviser_id")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_kind"))
        batch_op.drop_column("kind")
