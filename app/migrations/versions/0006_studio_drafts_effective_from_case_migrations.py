"""process-model drafts, effective-from dates, case migrations (studio)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 00:30:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('process_model_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('effective_from', sa.DateTime(timezone=True), nullable=True))

    op.create_table('process_model_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('model_id', sa.String(length=100), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('based_on_version_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by', sa.String(length=250), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['based_on_version_id'], ['process_model_versions.id'], name=op.f('fk_process_model_drafts_based_on_version_id_process_model_versions')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_process_model_drafts_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_model_drafts')),
    sa.UniqueConstraint('model_id', name=op.f('uq_process_model_drafts_model_id'))
    )

    op.create_table('case_migrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('from_version_id', sa.Integer(), nullable=False),
    sa.Column('to_version_id', sa.Integer(), nullable=False),
    sa.Column('verdict', sa.String(length=10), nullable=False),
    sa.Column('previous_state', sa.Text(), nullable=False),
    sa.Column('previous_serializer_version', sa.String(length=20), nullable=False),
    sa.Column('migrated_by_id', sa.Integer(), nullable=True),
    sa.Column('migrated_by', sa.String(length=250), nullable=False),
    sa.Column('migrated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('undone_by', sa.String(length=250), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_migrations_case_id_cases')),
    sa.ForeignKeyConstraint(['from_version_id'], ['process_model_versions.id'], name=op.f('fk_case_migrations_from_version_id_process_model_versions')),
    sa.ForeignKeyConstraint(['to_version_id'], ['process_model_versions.id'], name=op.f('fk_case_migrations_to_version_id_process_model_versions')),
    sa.ForeignKeyConstraint(['migrated_by_id'], ['users.id'], name=op.f('fk_case_migrations_migrated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_migrations'))
    )
    with op.batch_alter_table('case_migrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_migrations_case_id'), ['case_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('case_migrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_migrations_case_id'))

    op.drop_table('case_migrations')
    op.drop_table('process_model_drafts')
    with op.batch_alter_table('process_model_versions', schema=None) as batch_op:
        batch_op.drop_column('effective_from')
