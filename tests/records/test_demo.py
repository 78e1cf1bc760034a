"""The demo concluded event's information records, as `seed-demo` leaves them."""

from sqlalchemy import select

from tracker.checklist import services as checklist
from tracker.db import utcnow
from tracker.events.models import Event
from tracker.extensions import db
from tracker.records import dissemination, register
from tracker.timezones import local_date


def test_the_demo_parade_has_its_register_and_release(runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert runner.invoke(args=["seed-demo"]).exit_code == 0  # idempotent
    event = db.session.scalars(select(Event).where(
        Event.title == "Broadway holiday parade")).one()
    items = register.for_event(event.id)
    assert [i.state_label for i in items] == ["Destroyed", "Kept (approved)",
                                              "No disposition yet"]
    assert [i.id for i in register.past_due(local_date(utcnow()))] == [items[2].id]
    # The register items' release, and the reviewed product's (tests/records/test_products).
    assert sorted(r.what_kind for r in dissemination.for_event(event.id)) == [
        "product", "register_items"]
    answers = {e.item.key: e for e in checklist.get_for_event(event.id).entries}
    assert answers["post.dissemination_record"].value == "done"
    assert answers["post.dissemination_record"].history[-1].from_record
    # The item that is due keeps the register's items open.
    assert answers["post.inventory"].value is None
