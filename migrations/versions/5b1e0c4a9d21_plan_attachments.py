"""plan attachments

Revision ID: 5b1e0c4a9d21
Revises: 34f23200b37f
Create Date: 2026-12-02 13:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b1e0c4a9d21'
down_revision = '34f23200b37f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('plan_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('extension', sa.String(length=10), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('permit', 'site_map', 'traffic_plan', 'legal_review', 'other')", name=op.f('ck_plan_attachment_kind_known')),
    sa.CheckConstraint('size_bytes >= 0', name=op.f('ck_plan_attachment_size_not_negative')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_plan_attachment_uploaded_by_id_user')),
    sa.ForeignKeyConstraint(['version_id'], ['plan_version.id'], name=op.f('fk_plan_attachment_version_id_plan_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_attachment'))
    )
    with op.batch_alter_table('plan_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_attachment_storage_key'), ['storage_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_attachment_version_id'), ['version_id'], unique=False)


def downgrade():
    with op.batch_alter_table('plan_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_attachment_version_id'))
        batch_op.drop_index(batch_op.f('ix_plan_attachment_storage_key'))

    op.drop_table('plan_attachment')
