"""The guidance checklist template: seeded from data/template.json, edited by admins.

Every edit publishes a new version with a copy of all items; events keep the version
they started with, so an answered checklist never changes under its planner."""

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from importlib import resources

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tracker import versioning
from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.audit import services as audit
from tracker.checklist.models import ChecklistTemplate, ResponseType, Stage, TemplateItem
from tracker.errors import Conflict, NotFound, ValidationError
from tracker.extensions import db

STAGE_ORDER = {stage.value: n for n, stage in enumerate(Stage)}
RESPONSIBLE_ROLES = (Role.PLANNER, Role.LIAISON, Role.LEADERSHIP, Role.PRIVACY_OFFICER)
PROMPT_MAX = 300
GUIDANCE_MAX = 4000


@dataclass
class ItemSpec:
    """The editable content of one checklist item."""

    key: str
    stage: str
    prompt: str
    response_type: str
    responsible_role: str
    guidance: str = ""
    choices: list[str] = field(default_factory=list)
    required: bool = True
    red_flag_answers: list[str] = field(default_factory=list)
    due_anchor: str | None = None
    due_days: int | None = None

    @classmethod
    def from_item(cls, item: TemplateItem) -> "ItemSpec":
        return cls(**{name: getattr(item, name) for name in cls.__dataclass_fields__})

    @classmethod
    def from_seed(cls, raw: dict) -> "ItemSpec":
        due = raw.get("due") or {}
        return cls(key=raw["key"], stage=raw["stage"], prompt=raw["prompt"],
                   response_type=raw["response_type"],
                   responsible_role=raw["responsible_role"],
                   guidance=raw.get("guidance", ""), choices=raw.get("choices", []),
                   required=raw.get("required", True),
                   red_flag_answers=raw.get("red_flag_answers", []),
                   due_anchor=due.get("anchor"), due_days=due.get("days"))


def _options(spec: ItemSpec) -> list[str]:
    return {ResponseType.YES_NO: ["yes", "no"], ResponseType.CHOICE: spec.choices,
            ResponseType.CONFIRM: ["done"]}.get(ResponseType(spec.response_type), [])


# One pattern for every item key: the stage's prefix, then lower-case parts joined by
# dots (letters, digits, underscores), so keys stay readable and safe in addresses.
KEY_PREFIX = {"pre_event": "pre", "operational": "ops", "post_event": "post"}
KEY_PATTERN = re.compile(r"(pre|ops|post)(\.[a-z][a-z0-9_]*)+")


def validate(spec: ItemSpec) -> ItemSpec:
    """Check one item; raise ValidationError naming the field at fault."""
    spec.prompt = (spec.prompt or "").strip()
    spec.guidance = (spec.guidance or "").strip()
    spec.key = (spec.key or "").strip()
    if not spec.key or len(spec.key) > 80:
        raise ValidationError("key", "Give the item a key of at most 80 characters.")
    if spec.stage not in STAGE_ORDER:
        raise ValidationError("stage", "Choose a stage.")
    prefix = KEY_PREFIX[spec.stage]
    if not KEY_PATTERN.fullmatch(spec.key) or not spec.key.startswith(prefix + "."):
        raise ValidationError(
            "key", f"Use the stage's prefix \u201c{prefix}.\u201d then lower-case letters, "
                   "digits and underscores, with dots between parts, e.g. "
                   f"{prefix}.weather_plan.")
    if not spec.prompt or len(spec.prompt) > PROMPT_MAX:
        raise ValidationError("prompt", f"Enter a prompt of at most {PROMPT_MAX} characters.")
    if len(spec.guidance) > GUIDANCE_MAX:
        raise ValidationError("guidance", f"Use at most {GUIDANCE_MAX:,} characters.")
    if spec.response_type not in set(ResponseType):
        raise ValidationError("response_type", "Choose a response type.")
    if spec.responsible_role not in {r.value for r in RESPONSIBLE_ROLES}:
        raise ValidationError("responsible_role", "Choose a responsible role.")
    spec.choices = [c.strip() for c in spec.choices if c.strip()]
    if spec.response_type == ResponseType.CHOICE and len(spec.choices) < 2:
        raise ValidationError("choices", "A choice item needs at least two options.")
    if spec.response_type != ResponseType.CHOICE:
        spec.choices = []
    if not set(spec.red_flag_answers) <= set(_options(spec)):
        raise ValidationError("red_flag_answers", "Red-flag answers must be possible answers.")
    if (spec.due_anchor is None) != (spec.due_days is None):
        raise ValidationError("due_days", "Give both the anchor and the number of days, "
                                          "or neither.")
    if spec.due_anchor not in (None, "start", "end"):
        raise ValidationError("due_anchor", "The due date counts from the start or the end.")
    return spec


def load_seed() -> tuple[str, list[ItemSpec]]:
    raw = json.loads(resources.files("tracker.checklist").joinpath(
        "data/template.json").read_text(encoding="utf-8"))
    return raw.get("note", ""), [validate(ItemSpec.from_seed(i)) for i in raw["items"]]


def current_template() -> ChecklistTemplate | None:
    return db.session.scalar(
        select(ChecklistTemplate).order_by(ChecklistTemplate.version.desc()).limit(1))


def ensure_template(now: datetime) -> ChecklistTemplate:
    """The latest version, publishing version 1 from the shipped data file if none."""
    template = current_template()
    if template is not None:
        return template
    note, specs = load_seed()
    try:
        with db.session.begin_nested():
            return publish(None, specs, note or "Shipped guidance checklist", now)
    except Conflict:
        # Two first events at the same moment: the other request published version 1
        # (its commit is what the unique key waited for), so this one uses it.
        template = current_template()
        if template is None:
            raise
        return template


def publish(actor: User | None, specs: list[ItemSpec], note: str,
            now: datetime) -> ChecklistTemplate:
    keys = [s.key for s in specs]
    if len(set(keys)) != len(keys):
        raise ValidationError("key", "Each item needs its own key.")
    latest = db.session.scalar(select(func.max(ChecklistTemplate.version))) or 0
    template = ChecklistTemplate(version=latest + 1, note=note.strip()[:500],
                                 published_at=now,
                                 published_by_id=actor.id if actor else None)
    positions: dict[str, int] = {}
    for spec in specs:
        validate(spec)
        positions[spec.stage] = positions.get(spec.stage, 0) + 1
        template.items.append(TemplateItem(
            stage_order=STAGE_ORDER[spec.stage], position=positions[spec.stage],
            **asdict(spec)))
    db.session.add(template)
    try:
        db.session.flush()
    except IntegrityError as exc:  # the same version number, published a moment ago
        raise Conflict("Another version of the checklist was published at the same "
                       "moment. Nothing you entered was saved yet.") from exc
    audit.record(actor, "checklist_template.publish", "checklist_template", template.id,
                 changes={"version": {"from": latest or None, "to": template.version}},
                 now=now)
    return template


def _current_specs() -> tuple[ChecklistTemplate, list[ItemSpec]]:
    template = current_template()
    if template is None:
        raise NotFound("No checklist template has been published yet.")
    return template, [ItemSpec.from_item(i) for i in template.items]


def save_item(actor: User, key: str | None, spec: ItemSpec, now: datetime,
              note: str, version: int | None = None) -> ChecklistTemplate:
    """Replace the item with `key` (or add a new one when key is None): a new version.
    `version` is the template version the edit was made from: a Conflict if another
    has been published since."""
    template, specs = _current_specs()
    versioning.check(template, version, "checklist template")
    validate(spec)
    if key is None:
        if any(s.key == spec.key for s in specs):
            raise ValidationError("key", "Another item already has this key.")
        specs.append(spec)
    else:
        index = next((n for n, s in enumerate(specs) if s.key == key), None)
        if index is None:
            raise NotFound("No such checklist item.")
        spec.key = key  # keys are stable across versions
        specs[index] = spec
    specs.sort(key=lambda s: STAGE_ORDER[s.stage])  # stable: keeps order within a stage
    return publish(actor, specs, note, now)


def remove_item(actor: User, key: str, now: datetime, note: str) -> ChecklistTemplate:
    _, specs = _current_specs()
    remaining = [s for s in specs if s.key != key]
    if len(remaining) == len(specs):
        raise NotFound("No such checklist item.")
    return publish(actor, remaining, note, now)


def list_versions() -> list[ChecklistTemplate]:
    return list(db.session.scalars(
        select(ChecklistTemplate).order_by(ChecklistTemplate.version.desc())))
