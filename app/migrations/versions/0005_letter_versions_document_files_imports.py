"""letter template versions, document files (PDF/DOCX), attendance import history

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 23:30:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('letter_template_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('format', sa.String(length=4), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('docx', sa.LargeBinary(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_label', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_letter_template_versions_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_template_versions')),
    sa.UniqueConstraint('name', 'version', name='uq_letter_template_versions_name_version')
    )
    op.create_table('attendance_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('stored_path', sa.String(length=300), nullable=True),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_label', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('total_rows', sa.Integer(), nullable=False),
    sa.Column('processed_rows', sa.Integer(), nullable=False),
    sa.Column('inserted', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_attendance_imports_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_imports'))
    )
    with op.batch_alter_table('attendance_imports', schema=None) as batch_op:
        batch_op.create_index('ix_attendance_imports_created_at', ['created_at'], unique=False)

    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('template_revision', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('templates_used', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('format', sa.String(length=4), server_default='html', nullable=False))
        batch_op.add_column(sa.Column('merge_data', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('file_status', sa.String(length=10), server_default='pending', nullable=False))
        batch_op.add_column(sa.Column('pdf_path', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('pdf_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('docx_path', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('docx_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('rendered_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('file_error', sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        for column in ('file_error', 'rendered_at', 'docx_sha256', 'docx_path', 'pdf_sha256',
                       'pdf_path', 'file_status', 'merge_data', 'format', 'templates_used',
                       'template_revision'):
            batch_op.drop_column(column)
    with op.batch_alter_table('attendance_imports', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_imports_created_at')
    op.drop_table('attendance_imports')
    op.drop_table('letter_template_versions')
