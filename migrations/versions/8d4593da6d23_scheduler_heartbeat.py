"""scheduler heartbeat

Revision ID: 8d4593da6d23
Revises: 0ff87a1ace3c
Create Date: 2026-11-25 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8d4593da6d23'
down_revision = '0ff87a1ace3c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scheduler_heartbeat',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('beat_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduler_heartbeat'))
    )


def downgrade():
    op.drop_table('scheduler_heartbeat')
