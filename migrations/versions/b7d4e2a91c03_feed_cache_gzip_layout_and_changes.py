"""feed cache: gzip bytes and layout instead of plain bytes; the log of calendar changes

Revision ID: b7d4e2a91c03
Revises: 29a7141e354e
Create Date: 2026-11-24 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d4e2a91c03'
down_revision = '29a7141e354e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_change',
    sa.Column('generation', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('generation', name=op.f('pk_calendar_change'))
    )
    with op.batch_alter_table('calendar_feed_cache', schema=None) as batch_op:
        # Existing renderings have no layout: they are rebuilt whole on the next change.
        batch_op.add_column(sa.Column('gzip_etag', sa.String(length=80), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('gzip_body', sa.LargeBinary(), nullable=False,
                                      server_default=sa.text("''")))
        batch_op.add_column(sa.Column('layout', sa.LargeBinary(), nullable=False,
                                      server_default=sa.text("''")))
        batch_op.drop_column('body')
    with op.batch_alter_table('calendar_feed_cache', schema=None) as batch_op:
        # The defaults only filled existing rows; the model sets every value itself.
        for name in ('gzip_etag', 'gzip_body', 'layout'):
            batch_op.alter_column(name, server_default=None)
    if op.get_bind().dialect.name == "postgresql":
        # Already compressed: TOAST compression would only cost time (see the model).
        op.execute("ALTER TABLE calendar_feed_cache ALTER COLUMN gzip_body SET STORAGE "
                   "EXTERNAL, ALTER COLUMN layout SET STORAGE EXTERNAL")


def downgrade():
    # Cached renderings are dropped: the next request rebuilds each feed.
    op.execute(sa.text("DELETE FROM calendar_feed_cache"))
    with op.batch_alter_table('calendar_feed_cache', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body', sa.LargeBinary(), nullable=False,
                                      server_default=sa.text("''")))
        batch_op.drop_column('layout')
        batch_op.drop_column('gzip_body')
        batch_op.drop_column('gzip_etag')
    op.drop_table('calendar_change')
