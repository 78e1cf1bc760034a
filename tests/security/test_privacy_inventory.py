"""SECURITY.md P-1: the schema holds no column outside the written data inventory, and
nothing that names views, beliefs, religion, associations or affiliations."""

import re

from sqlalchemy import inspect

from tracker.data_inventory import inventory
from tracker.extensions import db

FORBIDDEN = re.compile(
    r"belief|religio|faith|affiliat|associat|ideolog|political|viewpoint|opinion|"
    r"cause|sympath|member|race|ethnic|participant", re.IGNORECASE)


def _inventory() -> dict:
    # The search index's tables and columns differ per database (data_inventory.py).
    return inventory(db.engine.dialect.name)


def _schema(app) -> dict[str, set[str]]:
    inspector = inspect(db.engine)
    return {table: {c["name"] for c in inspector.get_columns(table)}
            for table in inspector.get_table_names() if table != "alembic_version"}


def test_every_column_is_in_the_inventory(app):
    schema = _schema(app)
    outside = {f"{t}.{c}" for t, cols in schema.items() for c in cols
               if c not in _inventory().get(t, {})}
    assert outside == set()


def test_inventory_lists_no_column_that_is_gone(app):
    schema = _schema(app)
    stale = {f"{t}.{c}" for t, cols in _inventory().items() for c in cols
             if c not in schema.get(t, set())}
    assert stale == set()


def test_no_column_names_views_beliefs_or_associations(app):
    names = [f"{t}.{c}" for t, cols in _schema(app).items() for c in cols]
    assert [n for n in names if FORBIDDEN.search(n)] == []


def test_personal_columns_are_only_the_consented_contact_details(app):
    personal = {f"{t}.{c}" for t, cols in _inventory().items()
                for c, (kind, _why) in cols.items() if kind == "personal"}
    assert personal == {"outreach_contact.person_name", "outreach_contact.person_phone",
                        "outreach_contact.person_email"}
