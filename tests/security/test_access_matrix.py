"""SECURITY.md A-1: every route x method x role has an expected outcome.

EXPECTED is the written access policy. test_every_route_has_a_row compares it with
app.url_map, so a new route without a row (or a row for a removed route) fails the suite.
Each cell is then requested as a user holding just that one role, and every 403 must
leave an "access.denied" audit record (U-1).
"""

import io

import pytest
from flask import url_for
from sqlalchemy import func, select

from tests.conftest import NOW, PASSWORD, login
from tests.plans.media_support import PDF as PLAN_PDF
from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.audit.models import AuditRecord
from tracker.calendar import feeds
from tracker.calendar.models import CalendarFeed
from tracker.checklist import services as checklist
from tracker.checklist.models import AnswerRecord, ChecklistTemplate, RedFlagReview
from tracker.events.models import Event
from tracker.extensions import db
from tracker.outreach import retention
from tracker.outreach import services as outreach
from tracker.outreach.models import OutreachContact, RetentionHold
from tracker.plans import services as plans
from tracker.plans.models import AfterActionReport, CorrectiveAction
from tracker.records.authorization_models import OnlineAuthorization, OnlineWorkEntry
from tracker.records.models import DisseminationRecord, RegisterItem
from tracker.records.product_models import Product, ProductVersion
from tracker.records.schedule_models import RecordsSchedule
from tracker.reminders.models import InboxMessage, Reminder, ReminderPreference

ANON = "anonymous"
ROLES = (ANON, *(r.value for r in Role))
SIGNED_IN = tuple(r for r in ROLES if r != ANON)


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def signed_in(status: int, *allowed: Role) -> dict[str, int]:
    """A protected route: anonymous is sent to /login, roles outside `allowed` get 403.
    With no `allowed`, every signed-in role is admitted."""
    names = {r.value for r in allowed} or set(SIGNED_IN)
    cells = {role: (status if role in names else 403) for role in SIGNED_IN}
    return {ANON: 302, **cells}


# (endpoint, method) -> {role: status}. Successful POSTs redirect (302); see _body().
EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    ("static", "GET"): everyone(200),
    # Public: the form for anonymous users; signed-in users are sent to the dashboard.
    ("accounts.login", "GET"): {**everyone(302), ANON: 200},
    ("accounts.login", "POST"): everyone(302),
    # The second step: without a password step just passed in this browser, everyone is
    # sent back to /login (tests/test_sign_in.py covers the step itself).
    ("accounts.login_code", "GET"): everyone(302),
    ("accounts.login_code", "POST"): everyone(302),
    ("accounts.login_enrol", "GET"): everyone(302),
    ("accounts.login_enrol", "POST"): everyone(302),
    ("account.security", "GET"): signed_in(200),
    ("account.change_password", "POST"): signed_in(302),
    ("account.recovery_codes", "POST"): signed_in(200),  # shows the new codes once
    ("accounts.logout", "POST"): signed_in(302),
    ("dashboard.index", "GET"): signed_in(200),
    ("events.index", "GET"): signed_in(200),
    ("events.detail", "GET"): signed_in(200),
    ("event_search.search", "GET"): signed_in(200),
    ("calendar_view.page", "GET"): signed_in(200),
    ("calendar_view.feed", "GET"): signed_in(400),  # no range given: a 400, not a 500
    ("dashboard_overview.overview", "GET"): signed_in(200, Role.LEADERSHIP,
                                                      Role.PRIVACY_OFFICER),
    ("events.create", "GET"): signed_in(200, Role.PLANNER),
    ("events.create", "POST"): signed_in(302, Role.PLANNER),
    ("events.edit", "GET"): signed_in(200, Role.PLANNER),
    ("events.edit", "POST"): signed_in(302, Role.PLANNER),
    ("events.delete", "GET"): signed_in(200, Role.PLANNER),
    ("events.delete", "POST"): signed_in(302, Role.PLANNER),
    ("events.cancel", "GET"): signed_in(200, Role.PLANNER, Role.LEADERSHIP),
    ("events.cancel", "POST"): signed_in(302, Role.PLANNER, Role.LEADERSHIP),
    ("events.change_status", "POST"): signed_in(302, Role.PLANNER, Role.LEADERSHIP),
    ("audit.index", "GET"): signed_in(200, Role.PRIVACY_OFFICER, Role.ADMIN),
    ("audit.export_csv", "GET"): signed_in(200, Role.PRIVACY_OFFICER, Role.ADMIN),
    ("accounts.user_list", "GET"): signed_in(200, Role.ADMIN),
    ("accounts.user_create", "GET"): signed_in(200, Role.ADMIN),
    ("accounts.user_create", "POST"): signed_in(302, Role.ADMIN),
    ("accounts.user_edit", "GET"): signed_in(200, Role.ADMIN),
    ("accounts.user_edit", "POST"): signed_in(302, Role.ADMIN),
    ("accounts.user_unlock", "POST"): signed_in(302, Role.ADMIN),
    ("accounts.user_reset_factor", "POST"): signed_in(302, Role.ADMIN),
    ("accounts.user_reset_password", "POST"): signed_in(302, Role.ADMIN),
    ("checklist.overview", "GET"): signed_in(200),
    ("checklist.summary", "GET"): signed_in(200),
    # Step 1 of the pre-event stage is a planner's item: only planners answer it.
    ("checklist.step", "GET"): signed_in(200),
    ("checklist.step", "POST"): signed_in(302, Role.PLANNER),
    ("reviews.queue", "GET"): signed_in(200, Role.PRIVACY_OFFICER),
    ("reviews.decide", "GET"): signed_in(200, Role.PRIVACY_OFFICER),
    ("reviews.decide", "POST"): signed_in(302, Role.PRIVACY_OFFICER),
    ("checklist_admin.index", "GET"): signed_in(200, Role.ADMIN),
    ("checklist_admin.publish_shipped", "POST"): signed_in(302, Role.ADMIN),
    ("checklist_admin.edit_item", "GET"): signed_in(200, Role.ADMIN),
    ("checklist_admin.edit_item", "POST"): signed_in(302, Role.ADMIN),
    ("checklist_admin.delete_item", "GET"): signed_in(200, Role.ADMIN),
    ("checklist_admin.delete_item", "POST"): signed_in(302, Role.ADMIN),
    # Everyone sees an event's outreach counts; personal details and the CSV only the
    # liaison officers, the event's planner (not this test's planner) and privacy officers.
    ("outreach.event_log", "GET"): signed_in(200),
    ("outreach.export_csv", "GET"): signed_in(200, Role.LIAISON, Role.PRIVACY_OFFICER),
    ("outreach.create", "GET"): signed_in(200, Role.LIAISON),
    ("outreach.create", "POST"): signed_in(302, Role.LIAISON),
    ("outreach.edit", "GET"): signed_in(200, Role.LIAISON),
    ("outreach.edit", "POST"): signed_in(302, Role.LIAISON),
    ("outreach.follow_up_done", "POST"): signed_in(302, Role.LIAISON),
    ("retention.index", "GET"): signed_in(200, Role.PRIVACY_OFFICER),
    ("retention.place_hold", "GET"): signed_in(200, Role.PRIVACY_OFFICER),
    ("retention.place_hold", "POST"): signed_in(302, Role.PRIVACY_OFFICER),
    ("retention.release_hold", "POST"): signed_in(302, Role.PRIVACY_OFFICER),
    # The feed authenticates by its token, never by a session: a wrong token is a 404
    # for everyone (tests/calendar/test_views.py covers a valid one).
    ("calendar.feed", "GET"): everyone(404),
    ("calendar.download", "GET"): signed_in(200),
    ("calendar.feed_list", "GET"): signed_in(200),
    ("calendar.feed_create", "GET"): signed_in(200),
    ("calendar.feed_create", "POST"): signed_in(200),  # shows the new link once
    ("calendar.subscribe_help", "GET"): signed_in(200),
    # The sample feed belongs to this test's owner (a planner): other users get a 404,
    # admins may revoke any feed; only the owner may regenerate.
    ("calendar.feed_regenerate", "POST"): {**signed_in(404), ANON: 302},
    ("calendar.feed_revoke", "GET"): {**signed_in(404), ANON: 302, Role.ADMIN.value: 200},
    ("calendar.feed_revoke", "POST"): {**signed_in(404), ANON: 302, Role.ADMIN.value: 302},
    ("reminders.inbox", "GET"): signed_in(200),
    ("reminders.mark_all_read", "POST"): signed_in(302),
    # The sample message belongs to someone else: 404 for every signed-in role.
    ("reminders.mark_read", "POST"): {**signed_in(404), ANON: 302},
    ("reminders.preferences", "GET"): signed_in(200),
    ("reminders.preferences", "POST"): signed_in(302),
    ("reminders.event_offsets", "GET"): signed_in(200, Role.PLANNER),
    ("reminders.event_offsets", "POST"): signed_in(302, Role.PLANNER),
    ("reminders.troubled", "GET"): signed_in(200, Role.ADMIN),
    ("reminders.retry", "POST"): signed_in(302, Role.ADMIN),
    # Information records: the event's planner and liaison write (this test's planner
    # and liaison are not the sample event's: 403, tests/records cover the event's own);
    # privacy officers decide dispositions; leadership and admins read.
    ("records.event_records", "GET"): signed_in(
        200, Role.PRIVACY_OFFICER, Role.LEADERSHIP, Role.ADMIN),
    ("records.new_item", "GET"): signed_in(403),
    ("records.new_item", "POST"): signed_in(403),
    ("records.item", "GET"): signed_in(200, Role.PRIVACY_OFFICER, Role.LEADERSHIP, Role.ADMIN),
    ("records.edit_item", "GET"): signed_in(403),
    ("records.edit_item", "POST"): signed_in(403),
    ("records.destroy", "POST"): signed_in(302, Role.PRIVACY_OFFICER),
    ("records.keep", "POST"): signed_in(302, Role.PRIVACY_OFFICER),
    ("records.decide", "POST"): signed_in(302, Role.PRIVACY_OFFICER),
    ("records.new_release", "GET"): signed_in(403),
    ("records.new_release", "POST"): signed_in(403),
    ("records.past_due", "GET"): signed_in(200, Role.PRIVACY_OFFICER, Role.LEADERSHIP,
                                           Role.ADMIN),
    # Products, online-work authorizations and records schedules: as the records above,
    # the event's own planner and liaison write (403 here); privacy officers review,
    # concur and decide schedules; leadership authorizes online work; all three read.
    ("products.event_products", "GET"): signed_in(
        200, Role.PRIVACY_OFFICER, Role.LEADERSHIP, Role.ADMIN),
    ("products.create", "GET"): signed_in(403),
    ("products.create", "POST"): signed_in(403),
    ("products.detail", "GET"): signed_in(200, Role.PRIVACY_OFFICER, Role.LEADERSHIP,
                                          Role.ADMIN),
    ("products.edit", "GET"): signed_in(403),
    ("products.edit", "POST"): signed_in(403),
    ("products.send_for_review", "POST"): signed_in(403),
    ("products.review", "GET"): signed_in(200, Role.PRIVACY_OFFICER),
    ("products.review", "POST"): signed_in(302, Role.PRIVACY_OFFICER),
    ("products.release", "GET"): signed_in(403),
    ("products.release", "POST"): signed_in(403),
    ("authorizations.waiting", "GET"): signed_in(200, Role.PRIVACY_OFFICER, Role.LEADERSHIP),
    ("authorizations.event_authorizations", "GET"): signed_in(
        200, Role.PRIVACY_OFFICER, Role.LEADERSHIP, Role.ADMIN),
    ("authorizations.create", "GET"): signed_in(403),
    ("authorizations.create", "POST"): signed_in(403),
    ("authorizations.detail", "GET"): signed_in(200, Role.PRIVACY_OFFICER, Role.LEADERSHIP,
                                                Role.ADMIN),
    ("authorizations.authorize", "GET"): signed_in(200, Role.LEADERSHIP),
    ("authorizations.authorize", "POST"): signed_in(302, Role.LEADERSHIP),
    ("authorizations.concur", "GET"): signed_in(200, Role.PRIVACY_OFFICER),
    ("authorizations.concur", "POST"): signed_in(302, Role.PRIVACY_OFFICER),
    ("authorizations.withdraw", "POST"): signed_in(403),
    ("authorizations.log_work", "GET"): signed_in(403),
    ("authorizations.log_work", "POST"): signed_in(403),
    ("schedules.index", "GET"): signed_in(200, Role.PRIVACY_OFFICER, Role.LEADERSHIP,
                                          Role.ADMIN),
    # The sample event is a draft, not due for its review: the decision is refused on
    # the form (tests/records/test_schedules_views.py covers a due one).
    ("schedules.keep", "GET"): signed_in(200, Role.PRIVACY_OFFICER),
    ("schedules.keep", "POST"): signed_in(400, Role.PRIVACY_OFFICER),
    ("schedules.purge", "GET"): signed_in(200, Role.PRIVACY_OFFICER),
    ("schedules.purge", "POST"): signed_in(400, Role.PRIVACY_OFFICER),
    # The operations plan: everyone reads; the event's planner writes (any planner while
    # none is assigned, as here); leadership approves through the event's status.
    ("plans.show", "GET"): signed_in(200),
    ("plans.version", "GET"): signed_in(200),
    ("plans.compare", "GET"): signed_in(200),
    ("plans.edit", "GET"): signed_in(200, Role.PLANNER),
    ("plans.edit", "POST"): signed_in(302, Role.PLANNER),
    ("plans.submit_plan", "POST"): signed_in(302, Role.PLANNER),
    ("plans.copy", "GET"): signed_in(200, Role.PLANNER),
    # No other event has a plan to copy here: the form answers 400.
    ("plans.copy", "POST"): signed_in(400, Role.PLANNER),
    ("plans.after_action", "GET"): signed_in(200),
    ("plans.after_action", "POST"): signed_in(302, Role.PLANNER),
    # An empty form: what is missing is said on the page (400).
    ("plans.add_action", "POST"): signed_in(400, Role.PLANNER),
    # The action's owner or the event's planner closes it.
    ("plans.close_action", "POST"): signed_in(302, Role.PLANNER),
    # The plan's documents and Incident Action Plan (tracker/plans/attachments_views.py,
    # iap_views.py): every role reads them, downloads are audited; the event's planner
    # (any planner while none is assigned, as here) attaches and removes.
    ("plan_attachments.index", "GET"): signed_in(200),
    ("plan_attachments.index", "POST"): signed_in(302, Role.PLANNER),
    ("plan_attachments.download", "GET"): signed_in(200),
    ("plan_attachments.remove", "POST"): signed_in(302, Role.PLANNER),
    ("plan_iap.page", "GET"): signed_in(200),
    ("plan_iap.pdf", "GET"): signed_in(200),
    # Public health probe, never audited; 503 here because no scheduler runs in this test
    # (tests/operations/test_health.py covers the 200).
    ("operations.healthz", "GET"): everyone(503),
}
PUBLIC = {"static", "accounts.login", "accounts.login_code", "accounts.login_enrol",
          "calendar.feed", "operations.healthz"}
READ_ACTIONS = ["audit.read", "access.denied", "outreach.view_personal", "outreach.export",
                "calendar.download", "calendar.feed_fetch", "audit.export",
                "plan.attachment.download", "plan.iap.download"]

CELLS = [(endpoint, method, role, status)
         for (endpoint, method), row in EXPECTED.items() for role, status in row.items()]


def _routes(app) -> set[tuple[str, str]]:
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_route_has_a_row(app):
    routes = _routes(app)
    assert sorted(routes - EXPECTED.keys()) == [], "routes with no expected outcome"
    assert sorted(EXPECTED.keys() - routes) == [], "rows for routes that no longer exist"


def test_every_row_names_every_role():
    for key, row in EXPECTED.items():
        assert set(row) == set(ROLES), key


def _event_form(owner_id: int) -> dict:
    return {"title": "Vigil in the park", "kind": "vigil", "starts_at": "2026-12-05T18:00",
            "ends_at": "2026-12-05T20:00", "venue": "Central park",
            "permit_status": "not_required", "information_source": "organizer_notice",
            "planner_id": str(owner_id), "liaison_id": ""}


def _contact_form() -> dict:
    return {"contacted_at": "2026-11-20T10:00", "method": "phone", "purpose": "route",
            "person_name": "Sam Organizer", "consent": "y", "summary": "Route agreed."}


def _body(endpoint: str, owner) -> dict:
    """A valid form for the cell, so allowed roles show the success status."""
    bodies = {
        "accounts.login": {"email": owner.email, "password": PASSWORD, "acknowledge": "y"},
        "account.change_password": {"current_password": PASSWORD,
                                    "new_password": "another long passphrase"},
        "accounts.user_reset_password": {"password": "temporary passphrase 42"},
        "events.create": _event_form(owner.id),
        "events.edit": _event_form(owner.id),
        # Cancelling a draft is open to both planners and leadership.
        "events.change_status": {"target": "cancelled"},
        "events.cancel": {"reason": "The organizers called it off."},
        "accounts.user_create": {"email": "new.user@agency.example.com",
                                 "display_name": "New User", "roles": ["liaison"],
                                 "password": "a long enough passphrase"},
        "accounts.user_edit": {"display_name": "Renamed", "roles": ["planner"],
                               "active": "y"},
        "checklist.step": {"value": "Permit application", "justification": ""},
        "calendar.feed_create": {"name": "Approved events", "status": "plan_approved",
                                 "include_cancelled": "y"},
        "reminders.preferences": {"event_upcoming": "both", "checklist_due": "email",
                                  "follow_up": "in_app", "retention_digest": "off",
                                  "notice": "both", "event_offsets": "7, 1"},
        "reminders.event_offsets": {"offsets": "14, 1"},
        "plans.edit": {"assignments-0-unit": "Bike team", "assignments-0-location": "Route",
                       "assignments-0-starts": "09:00", "assignments-0-ends": "12:00",
                       "assignments-0-task": "Keep the route clear"},
        "plans.after_action": {"arrests": "0"},
        "plans.close_action": {"close-1-closing_note": "Agreed in writing."},
        "outreach.create": _contact_form(), "outreach.edit": _contact_form(),
        "plan_attachments.index": {"kind": "permit", "title": "City permit",
                                   "file": (io.BytesIO(PLAN_PDF), "permit.pdf")},
        "retention.place_hold": {"reason": "Records request 2026-7",
                                 "expires_on": "2027-06-30"},
        "reviews.decide": {"decision": "approved", "note": "Justified by the predicate."},
        "records.destroy": {"destruction_method": "Deleted from the shared drive"},
        "records.keep": {"keep_schedule": "Litigation hold LH-3",
                         "keep_justification": "A claim about the event is pending in court.",
                         "keep_until": "2027-06-30"},
        "records.decide": {"decision": "approved", "keep_decision_note": ""},
        "records.edit_item": {"category": "note", "description": "Officer's notes",
                              "source": "Officer", "purpose": "Traffic planning"},
        "records.new_item": {"category": "note", "description": "Officer's notes on the route",
                             "source": "Officer on duty", "purpose": "Traffic planning"},
        "records.new_release": {"what_kind": "summary", "what_ref": "Summary",
                                "recipient_agency": "County EMS", "recipient_role": "Duty",
                                "need_to_know": "Plans ambulance staging for the event.",
                                "authority": "Mutual aid", "method": "email",
                                "released_at": "2026-11-20T10:00"},
        "products.review": {"q_protected_without_nexus": "no", "q_identifies_by_views": "no",
                            "q_sources_stated": "yes", "q_distribution_limited": "yes",
                            "decision": "approved", "note": ""},
        "authorizations.authorize": {"decision": "agree", "note": ""},
        "authorizations.concur": {"decision": "agree", "note": ""},
        "schedules.keep": {"reason": "Case 2026-0412 is still open.",
                           "review_on": "2027-06-30"},
        "checklist_admin.edit_item": {
            "stage": "pre_event", "prompt": "How did the agency learn of the event?",
            "response_type": "choice", "choices": "Permit\nNotice", "required": "y",
            "responsible_role": "planner", "due_anchor": "", "note": "Shorter choices"},
    }
    return bodies.get(endpoint, {})


def _state() -> tuple:
    """What a GET must not change (W-1). Reads that are disclosures (the audit trail,
    outreach details, exports) and refusals are themselves recorded: left out here."""
    audited = db.session.scalar(select(func.count(AuditRecord.id)).where(
        AuditRecord.action.not_in(READ_ACTIONS)))
    events = db.session.execute(select(Event.id, Event.status, Event.updated_at)).all()
    users = db.session.execute(select(User.id, User.active, User.display_name)).all()
    checklist = [db.session.scalar(select(func.count(model.id))) for model in (
        AnswerRecord, RedFlagReview, ChecklistTemplate, OutreachContact, RetentionHold,
        CalendarFeed, DisseminationRecord, OnlineWorkEntry, RecordsSchedule, Product)]
    checklist.append(sorted(db.session.execute(select(
        ProductVersion.id, ProductVersion.version)).all()))
    checklist.append(sorted(db.session.execute(select(
        OnlineAuthorization.id, OnlineAuthorization.version)).all()))
    checklist.append(sorted(db.session.execute(select(
        RegisterItem.id, RegisterItem.version)).all()))
    checklist.append(db.session.scalar(select(func.count()).select_from(ReminderPreference)))
    checklist.append(sorted(db.session.execute(select(
        Reminder.id, Reminder.state, Reminder.next_attempt_at)).all()))
    checklist.append(sorted(db.session.execute(select(
        InboxMessage.id, InboxMessage.read_at)).all()))
    contacts = db.session.execute(select(
        OutreachContact.id, OutreachContact.updated_at, OutreachContact.follow_up_done_at,
        OutreachContact.person_name)).all()
    checklist.append(sorted(contacts))
    return audited, sorted(events), sorted(users), checklist


def _pending_review(event, planner):
    """A red flag raised on the event, for the review routes."""
    # A planner's own red-flag item: planners answer only their role's items.
    entry = next(e for e in checklist.get_for_event(event.id).entries
                 if e.item.key == "pre.info_gathering_scope")
    checklist.answer(planner, entry, "yes", "A documented predicate and written approval.",
                     NOW)
    db.session.commit()
    return checklist.current_review(entry)


def _contact_with_hold(event, make_user):
    """An outreach entry with consented details, an open follow-up and a hold."""
    contact = outreach.create_contact(make_user(Role.LIAISON), event, outreach.ContactData(
        contacted_at=NOW, method="phone", purpose="route", person_name="Sam Organizer",
        consent=True, follow_up_on=NOW.date()), NOW, retention_days=30)
    hold = retention.place_hold(make_user(Role.PRIVACY_OFFICER), contact, "Records request",
                                NOW.date().replace(year=2027), NOW)
    db.session.commit()
    return contact, hold


def _register_items(event, owner) -> tuple[RegisterItem, RegisterItem]:
    """A register item without a disposition, and one whose keeping waits for a privacy
    officer (the sample event has no assigned planner: rows are written directly)."""
    common = {"event_id": event.id, "category": "note", "description": "Route notes",
              "source": "Officer", "purpose": "Traffic", "recorded_by_id": owner.id,
              "recorded_at": NOW, "due_on": NOW.date()}
    open_item = RegisterItem(**common)
    kept = RegisterItem(**common, disposition="kept", keep_status="pending",
                        disposed_by_id=owner.id, disposed_at=NOW, keep_schedule="LH-3",
                        keep_justification="A claim is pending in court.",
                        keep_until=NOW.date().replace(year=2027))
    db.session.add_all([open_item, kept])
    db.session.flush()
    return open_item, kept


def _product_and_request(event, owner) -> tuple[Product, OnlineAuthorization]:
    """A product whose first version waits for review and an online-work request waiting
    for both decisions (written directly: the sample event has no assigned planner)."""
    product = Product(event_id=event.id, kind="bulletin", created_by_id=owner.id,
                      created_at=NOW)
    product.versions.append(ProductVersion(
        number=1, title="Logistics", body="Route and timing of the vigil.",
        recipients="County EM", caveats="LES", status="submitted", written_by_id=owner.id,
        written_at=NOW, submitted_at=NOW))
    request = OnlineAuthorization(
        event_id=event.id, level="monitoring", purpose="Timing and route of the vigil.",
        predicate_reference="Case 1", platforms=["social_networks"], starts_on=NOW.date(),
        ends_on=NOW.date().replace(year=2030), status="requested", requested_by_id=owner.id,
        requested_at=NOW)
    db.session.add_all([product, request])
    db.session.flush()
    return product, request


def _plan_document(app, event, owner):
    """A permit attached to the event's draft plan version."""
    from tracker import storage
    from tracker.plans import attachments

    version = plans.find_plan(event.id).latest  # the draft _plan_and_action wrote
    document = attachments.add(owner, version, attachments.Upload(
        "permit", "Permit", PLAN_PDF), storage.for_app(app), NOW)
    db.session.commit()
    return version, document


def _inbox_message(owner):
    """A delivered in-app reminder of the owner's, failed once before, for the inbox and
    the retry routes."""
    reminder = Reminder(key=f"sample:{owner.id}", kind="event_upcoming", object_id=1,
                        recipient_id=owner.id, due_at=NOW, state="failed", attempts=10,
                        last_error="SMTPServerDisconnected")
    db.session.add(reminder)
    db.session.flush()
    message = InboxMessage(recipient_id=owner.id, reminder_id=reminder.id, subject="Soon",
                           body="Soon", link="/", created_at=NOW)
    db.session.add(message)
    db.session.flush()
    return message


def _plan_and_action(event, owner):
    """A draft operations plan, and an after-action report with one open corrective
    action owned by the owner."""
    plans.save_draft(owner, event, {"assignments": [{
        "unit": "Bike team", "location": "Route", "starts": "09:00", "ends": "12:00",
        "task": "Keep the route clear"}]}, NOW)
    report = AfterActionReport(event_id=event.id, created_by_id=owner.id, created_at=NOW)
    report.actions.append(CorrectiveAction(description="Fix the signs", owner_id=owner.id,
                                           due_on=NOW.date(), created_at=NOW))
    db.session.add(report)
    db.session.flush()
    return report.actions[0]


def assert_security_headers(response) -> None:
    """W-2 on every response of the matrix; pages (HTML, which may show personal data)
    are never stored by browsers or proxies."""
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src" not in csp or "'unsafe-inline'" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin")
    if response.mimetype == "text/html" or response.mimetype == "text/csv":
        assert headers["Cache-Control"] == "no-store"


def _denied_count() -> int:
    return db.session.scalar(select(func.count(AuditRecord.id))
                             .where(AuditRecord.action == "access.denied"))


@pytest.mark.parametrize(("endpoint", "method", "role", "expected"), CELLS,
                         ids=[f"{e}-{m}-{r}" for e, m, r, _ in CELLS])
def test_cell(app, client, make_user, make_event, endpoint, method, role, expected):
    owner = make_user(Role.PLANNER, name="Owner")
    event = make_event(actor=owner)  # a draft
    review = _pending_review(event, owner)
    contact, hold = _contact_with_hold(event, make_user)
    feed, _token = feeds.create_feed(owner, owner, "Owner's feed", feeds.FeedFilter(), NOW)
    message = _inbox_message(owner)
    open_item, kept_item = _register_items(event, owner)
    product, online_request = _product_and_request(event, owner)
    action = _plan_and_action(event, owner)
    version, document = _plan_document(app, event, owner)
    db.session.commit()
    actor = None
    if role != ANON:
        actor = make_user(Role(role))
        login(client, actor)
    args = {"event_id": event.id, "user_id": owner.id, "filename": "css/tracker.css",
            "stage": "pre_event", "number": 1, "review_id": review.id, "key": "pre.source",
            "contact_id": contact.id, "hold_id": hold.id, "feed_id": feed.id,
            "token": "not-a-valid-token", "message_id": message.id,
            "reminder_id": message.reminder_id, "action_id": action.id,
            "version_id": version.id, "attachment_id": document.id,
            "item_id": kept_item.id if endpoint == "records.decide" else open_item.id,
            "product_id": product.id, "authorization_id": online_request.id}
    with app.test_request_context():
        rule_args = next(r.arguments for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        url = url_for(endpoint, **{k: v for k, v in args.items() if k in rule_args})
    denied_before, state_before = _denied_count(), _state()

    response = client.open(url, method=method,
                           data=_body(endpoint, owner) if method == "POST" else None)
    response.close()

    assert response.status_code == expected, response.get_data(as_text=True)[:2000]
    assert_security_headers(response)
    if method == "GET":
        db.session.expire_all()
        assert _state() == state_before
    location = response.headers.get("Location", "")
    if expected == 302 and role == ANON and endpoint not in PUBLIC:
        assert location.startswith("/login?next="), location
    elif expected == 302 and endpoint not in PUBLIC | {"accounts.logout"}:
        # An admitted role must not be bounced to the login page.
        assert not location.startswith("/login"), location
    if expected == 403:
        rows = list(db.session.scalars(
            select(AuditRecord).where(AuditRecord.action == "access.denied")
            .order_by(AuditRecord.id.desc())))
        assert len(rows) == denied_before + 1
        assert (rows[0].outcome, rows[0].actor_id, rows[0].object_id) == (
            "denied", actor.id, endpoint)
    else:
        assert _denied_count() == denied_before


# an id that does not exist is a 404 for a role that may use the route, and the
# same 403 as any other id for a role that may not (no hint that it exists or not).
@pytest.mark.parametrize(("method", "url"), [
    ("GET", "/events/999"), ("GET", "/events/999/edit"), ("POST", "/events/999/edit"),
    ("POST", "/events/999/delete"), ("POST", "/events/999/status"),
    ("GET", "/events/999/delete"), ("GET", "/events/999/cancel"),
    ("POST", "/events/999/cancel"),
    ("GET", "/admin/users/999"), ("POST", "/admin/users/999"),
    ("GET", "/events/999/checklist"), ("GET", "/events/999/summary"),
    ("GET", "/events/999/checklist/pre_event/1"), ("POST", "/events/999/checklist/pre_event/1"),
    ("GET", "/reviews/999"), ("POST", "/reviews/999"),
    ("GET", "/admin/checklist/items/no.such.key"),
    ("GET", "/events/999/outreach"), ("GET", "/events/999/outreach.csv"),
    ("GET", "/events/999/outreach/new"), ("POST", "/events/999/outreach/new"),
    ("GET", "/outreach/999/edit"), ("POST", "/outreach/999/edit"),
    ("POST", "/outreach/999/follow-up-done"),
    ("GET", "/retention/outreach/999/hold"), ("POST", "/retention/outreach/999/hold"),
    ("POST", "/retention/holds/999/release"),
    ("POST", "/admin/checklist/items/no.such.key/delete"),
    ("GET", "/events/999/plan"), ("GET", "/events/999/plan/versions/1"),
    ("GET", "/events/999/plan/compare"), ("GET", "/events/999/after-action"),
    ("GET", "/events/999/plan/edit"), ("POST", "/events/999/plan/edit"),
    ("POST", "/events/999/plan/submit"), ("POST", "/events/999/after-action/actions"),
    ("POST", "/plans/versions/999/documents"), ("POST", "/plans/documents/999/remove"),
])
def test_unknown_ids(app, client, make_user, method, url):
    allowed = (Role.ADMIN if "/admin/" in url else
               Role.PRIVACY_OFFICER if url.startswith(("/reviews/", "/retention/")) else
               Role.LIAISON if "outreach" in url else Role.PLANNER)
    login(client, make_user(allowed))
    assert client.open(url, method=method, data={"target": "cancelled"}).status_code == 404
    viewable = method == "GET" and url.startswith("/events/999") and not url.endswith(
        ("/edit", "/new", ".csv"))
    # Every role may view events and checklists, and whether a role answers a step depends
    # on the step's item; the other routes refuse the role before looking the id up.
    object_level = "/checklist/" in url or url.endswith(".csv")
    if not viewable and not object_level:
        other = app.test_client()
        login(other, make_user(Role.LEADERSHIP if allowed is Role.LIAISON else Role.LIAISON))
        assert other.open(url, method=method).status_code == 403
