"""storage scrub: erased values still in the database files, retried

Revision ID: a4f7c2e91b30
Revises: f1a9d3c7b2e4
Create Date: 2026-12-02 04:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4f7c2e91b30'
down_revision = 'f1a9d3c7b2e4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('storage_scrub',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pending_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('problem', sa.String(length=300), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_storage_scrub'))
    )


def downgrade():
    op.drop_table('storage_scrub')
