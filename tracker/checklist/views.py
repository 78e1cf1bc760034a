"""The walk-through: overview, one step at a time, and the printable compliance summary."""

from datetime import date

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from tracker import work
from tracker.accounts.access import deny
from tracker.accounts.roles import Role
from tracker.checklist import record_sources, services, stages
from tracker.checklist.forms import answer_form
from tracker.checklist.models import ResponseType, Stage
from tracker.db import utcnow
from tracker.errors import Forbidden, NotFound, ValidationError
from tracker.events import registry
from tracker.events import services as events
from tracker.forms import EmptyForm, apply_error, status_of, submit

bp = Blueprint("checklist", __name__, url_prefix="/events/<int:event_id>")


def _stage(value: str) -> Stage:
    try:
        return Stage(value)
    except ValueError as exc:
        raise NotFound("No such stage.") from exc


@bp.route("/checklist")
def overview(event_id: int):
    event = events.get_event(event_id)
    checklist = services.get_for_event(event_id)
    grouped = services.entries_by_stage(checklist)
    return render_template(
        "checklist/overview.html", event=event, checklist=checklist, grouped=grouped,
        total=services.progress(checklist.entries),
        stage_progress={s: services.progress(e) for s, e in grouped.items()},
        review_of=services.current_review, now=utcnow(),
        next_step=_first_unanswered(grouped))


def _first_unanswered(grouped) -> tuple[str, int] | None:
    """Where to resume: the first unanswered item, in walk-through order."""
    for stage, entries in grouped.items():
        for number, entry in enumerate(entries, start=1):
            if not entry.answered:
                return stage.value, number
    return None


@bp.route("/checklist/<stage>/<int:number>", methods=["GET", "POST"])
def step(event_id: int, stage: str, number: int):
    event = events.get_event(event_id)
    checklist = services.get_for_event(event_id)
    entry = services.find_entry(checklist, _stage(stage), number)
    form = _answer_form(entry)
    record_item = stages.record_item(entry)
    if request.method == "POST" and record_item is not None:
        return _take_from_record(event_id, entry, form)
    if request.method == "POST":
        if not services.may_answer(current_user, entry):
            deny()
        try:
            ok, _ = submit(form, lambda: services.answer(
                current_user, entry, _raw(form.value.data), form.justification.data,
                utcnow(), version=form.expected_version),
                current=lambda: _answer_form(entry, fresh=True))
        except Forbidden:
            deny()
        if ok:
            return redirect(_after_save(event_id, checklist, entry))
    return _render_step(event, checklist, entry, form, number)


def _render_step(event, checklist, entry, form, number):
    grouped = services.entries_by_stage(checklist)
    now = utcnow()
    refusal = services.why_not_answerable(current_user, entry, now)
    item = stages.record_item(entry)
    source = record_sources.source_for(entry.item.key)
    return render_template(
        "checklist/step.html", event=event, entry=entry, form=form, number=number,
        stage=entry.item.stage_enum, stage_entries=grouped[entry.item.stage_enum],
        stages=[s for s, entries in grouped.items() if entries],
        total=services.progress(checklist.entries), review=services.current_review(entry),
        can_answer=refusal is None, refusal=refusal, now=now, record_item=item,
        record_value=stages.record_value_label(event, item) if item else None,
        mismatch=stages.mismatch(entry, event),
        early={r.id for r in entry.history
               if stages.answered_early(r, event, entry.item.stage_enum)},
        may_fix_record=current_user.has_role(Role.PLANNER),
        source=source, source_state=source.describe(event) if source else None,
    ), status_of(form)


def _answer_form(entry, fresh: bool = False):
    """The answer form; `fresh` ignores the request's values (the answer as saved now)."""
    shown = fresh or request.method != "POST"
    initial = _initial(entry) if shown else {}
    form = answer_form(entry.item, formdata=None, **initial) if fresh else answer_form(
        entry.item, **initial)
    if shown:
        form.stamp(entry.version)
    return form


def _take_from_record(event_id: int, entry, form):
    """A record item's only action: take the answer from the event record."""
    if not current_user.has_role(Role.PLANNER):
        deny()
    if not EmptyForm().validate_on_submit():
        form.form_errors.append("The form had expired: try again.")
    else:
        try:
            work.run(lambda: services.answer_from_record(current_user, entry, utcnow()))
            return redirect(url_for("checklist.step", event_id=event_id,
                                    stage=entry.item.stage, number=services.step_number(entry)))
        except ValidationError as err:
            apply_error(form, err)
    return _render_step(entry.checklist.event, entry.checklist, entry, form,
                        services.step_number(entry))


def _initial(entry) -> dict:
    if entry.value is None:
        return {}
    value = entry.value
    if entry.item.response_type == ResponseType.DATE:
        value = date.fromisoformat(value)
    # The justification starts empty: a changed answer needs its own (the current one
    # is shown above the form and kept when the same answer is saved again).
    return {"value": value}


def _raw(value) -> str | None:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _after_save(event_id: int, checklist, entry) -> str:
    """Next step in order across the stages, or the overview when asked or at the end."""
    if request.form.get("then") == "overview":
        return url_for("checklist.overview", event_id=event_id)
    ordered = [e for entries in services.entries_by_stage(checklist).values() for e in entries]
    position = ordered.index(entry)
    if position + 1 >= len(ordered):
        return url_for("checklist.overview", event_id=event_id)
    following = ordered[position + 1]
    return url_for("checklist.step", event_id=event_id, stage=following.item.stage,
                   number=services.step_number(following))


@bp.route("/summary")
def summary(event_id: int):
    event = events.get_event(event_id)
    checklist = services.get_for_event(event_id)
    grouped = services.entries_by_stage(checklist)
    approvals = list(event.approvals)
    return render_template(
        "checklist/summary.html", event=event, checklist=checklist,
        grouped=grouped, now=utcnow(), answer_text=services.answer_text,
        reviews_of=services.reviews_by_answer(checklist.entries),
        early={r.id for stage, entries in grouped.items() for e in entries
               for r in e.history if stages.answered_early(r, event, stage)},
        approved_at=approvals[0].approved_at if approvals else None,
        approvals=approvals, matches_approval=events.approval_state(event),
        material_changes=list(event.material_changes),
        sources={e.item.key: source.label for e in checklist.entries
                 if (source := record_sources.source_for(e.item.key))},
        panels=registry.detail_panels(event))
