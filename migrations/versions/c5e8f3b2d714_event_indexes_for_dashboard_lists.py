"""event indexes for the dashboard lists

Revision ID: c5e8f3b2d714
Revises: b7d4e2a91c03
Create Date: 2026-11-24 19:05:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c5e8f3b2d714'
down_revision = 'b7d4e2a91c03'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index('ix_event_planner_starts', ['planner_id', 'starts_at'])
        batch_op.create_index('ix_event_liaison_starts', ['liaison_id', 'starts_at'])
        batch_op.create_index('ix_event_status_starts', ['status', 'starts_at'])
        batch_op.create_index('ix_event_status_ends', ['status', 'ends_at'])
        batch_op.create_index('ix_event_ends_starts_status', ['ends_at', 'starts_at', 'status'])


def downgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index('ix_event_ends_starts_status')
        batch_op.drop_index('ix_event_status_ends')
        batch_op.drop_index('ix_event_status_starts')
        batch_op.drop_index('ix_event_liaison_starts')
        batch_op.drop_index('ix_event_planner_starts')
