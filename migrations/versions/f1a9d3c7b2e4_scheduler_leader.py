"""scheduler leader: one row naming the scheduler process that runs the jobs

Revision ID: f1a9d3c7b2e4
Revises: c5e8f3b2d714
Create Date: 2026-12-02 04:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f1a9d3c7b2e4'
down_revision = 'c5e8f3b2d714'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scheduler_leader',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('node', sa.String(length=200), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.Column('renewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduler_leader'))
    )


def downgrade():
    op.drop_table('scheduler_leader')
