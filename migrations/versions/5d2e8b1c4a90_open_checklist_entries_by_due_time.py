"""open checklist entries by due time (the dashboard's items due)

Revision ID: 5d2e8b1c4a90
Revises: c8cf677cd229
Create Date: 2026-12-02 14:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d2e8b1c4a90'
down_revision = 'c8cf677cd229'
branch_labels = None
depends_on = None

WHERE = "value IS NULL AND due_at IS NOT NULL"


def upgrade():
    op.create_index('ix_checklist_entry_open_due', 'checklist_entry', ['due_at', 'id'],
                    unique=False, sqlite_where=sa.text(WHERE),
                    postgresql_where=sa.text(WHERE))


def downgrade():
    op.drop_index('ix_checklist_entry_open_due', table_name='checklist_entry',
                  sqlite_where=sa.text(WHERE), postgresql_where=sa.text(WHERE))
