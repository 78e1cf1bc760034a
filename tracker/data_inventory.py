"""The written data inventory: every column the tracker stores, what kind of data it is,
and why it is kept (FIPPs purpose specification and data minimisation; 28 CFR 23.20;
Privacy Act 552a(e)(7)).

tests/security/test_privacy_inventory.py compares the database schema with this table and fails on
any column that is not listed here, so a new field is a deliberate, reviewed decision.

Kinds:
  record     - the agency's own operational record (events, plans, checklist answers)
  staff      - about the agency's own users (accounts, who did what)
  personal   - about a member of the public: kept only with consent, purged on schedule
  audit      - the audit trail (no personal values are copied into it)
  reference  - configuration and guidance content
  key        - identifiers and links between rows
  operations - the application's own health signals (no one's data)

No column records anyone's views, beliefs, religion, associations or affiliations, nor a
list of participants.
"""

R, S, P, A, C, K = "record", "staff", "personal", "audit", "reference", "key"
OPS = "operations"

INVENTORY: dict[str, dict[str, tuple[str, str]]] = {
    "audit_block": {
        "id": (K, "block number"), "sealed_at": (A, "when the block was sealed"),
        "record_count": (A, "records sealed in it"),
        "first_record_id": (A, "lowest record id in it"),
        "last_record_id": (A, "highest record id in it"),
        "prev_digest": (A, "the previous block's digest (the chain)"),
        "digest": (A, "digest over its records' hashes"),
        "key_id": (A, "which signing key signed it"),
        "public_key": (A, "that key's public part"),
        "signature": (A, "Ed25519 signature of the digest"),
    },
    "audit_block_record": {
        "record_id": (K, "audit record"), "block_id": (K, "its block"),
        "record_hash": (A, "the record's hash when sealed"),
    },
    "user": {
        "id": (K, "account id"),
        "email": (S, "staff sign-in name and mail address"),
        "display_name": (S, "shown on records the user made"),
        "password_hash": (S, "Argon2id hash; the password is never stored"),
        "active": (S, "deactivated accounts cannot sign in"),
        "created_at": (S, "account lifecycle"),
        "last_login_at": (S, "inactive-account review"),
        "totp_secret": (S, "the second factor's shared secret"),
        "totp_enrolled_at": (S, "when the second factor was set up"),
        "totp_last_step": (S, "stops a code being used twice"),
        "locked_at": (S, "locked after repeated failed sign-ins"),
    },
    "sign_in_failure": {
        "id": (K, "row id"), "user_id": (K, "account"),
        "at": (S, "counts failures toward the lockout"),
    },
    "recovery_code": {
        "id": (K, "row id"), "user_id": (K, "account"),
        "code_hash": (S, "hash of a one-time recovery code"),
        "used_at": (S, "a recovery code works once"),
    },
    "user_session": {
        "id": (K, "row id"), "user_id": (K, "account"),
        "token_hash": (S, "hash of the session cookie's token"),
        "created_at": (S, "absolute session limit"),
        "last_seen_at": (S, "idle session limit"),
        "ended_at": (S, "sign-out, expiry or revocation"),
        "end_reason": (S, "why the session ended"),
    },
    "user_role": {
        "user_id": (K, "account"),
        "role": (S, "what the user may do"),
    },
    "audit_record": {
        "id": (K, "order of the trail"),
        "at": (A, "UTC time of the action"),
        "actor_id": (A, "who acted"),
        "actor_label": (A, "who acted, kept as text"),
        "action": (A, "what was done"),
        "object_type": (A, "on what kind of record"),
        "object_id": (A, "on which record"),
        "outcome": (A, "success, failure or denied"),
        "source_address": (A, "network address of the request"),
        "request_id": (A, "ties records of one request together"),
        "changes": (A, "field names changed; values only for non-personal fields"),
    },
    "event": {
        "id": (K, "event id"),
        "title": (R, "what the agency calls the event"),
        "kind": (R, "protest, march, rally ... (not its cause or message)"),
        "starts_at": (R, "planning"), "ends_at": (R, "planning and retention dates"),
        "venue": (R, "where"), "route_description": (R, "route for marches and parades"),
        "attendance_low": (R, "expected size, for resourcing"),
        "attendance_high": (R, "expected size, for resourcing"),
        "permit_status": (R, "permit"), "permit_reference": (R, "permit"),
        "permit_conditions": (R, "permit"),
        "information_source": (R, "how the agency learned of it (kind of channel)"),
        "organizing_group": (R, "group's public name, optional, for liaison"),
        "logistics_notes": (R, "traffic, EMS, public works, weather"),
        "status": (R, "lifecycle"),
        "planner_id": (S, "assigned planner"), "liaison_id": (S, "assigned liaison"),
        "created_by_id": (S, "who recorded it"),
        "created_at": (R, "record lifecycle"), "updated_at": (R, "record lifecycle"),
        "version": (OPS, "edit counter: a stale form cannot overwrite"),
    },
    "event_relation": {
        "event_id": (K, "related and counter-events"),
        "related_event_id": (K, "related and counter-events"),
    },
    "event_status_change": {
        "id": (K, "status history"), "event_id": (K, "event"),
        "from_status": (R, "status history"), "to_status": (R, "status history"),
        "actor_id": (S, "who changed it (approvals are sign-offs)"),
        "at": (R, "when"), "note": (R, "why, e.g. reason for postponement"),
    },
    "checklist_template": {
        "id": (K, "template version"), "version": (C, "version number"),
        "note": (C, "what changed"), "published_at": (C, "when"),
        "published_by_id": (S, "who published it"),
    },
    "checklist_template_item": {
        "id": (K, "item"), "template_id": (K, "version"), "key": (C, "stable item key"),
        "stage": (C, "stage"), "stage_order": (C, "ordering"), "position": (C, "ordering"),
        "prompt": (C, "guidance question"), "guidance": (C, "guidance text"),
        "response_type": (C, "how it is answered"), "choices": (C, "answer options"),
        "required": (C, "gate"), "red_flag_answers": (C, "answers needing review"),
        "responsible_role": (C, "who answers"), "due_anchor": (C, "due date rule"),
        "due_days": (C, "due date rule"),
    },
    "event_checklist": {
        "id": (K, "checklist"), "event_id": (K, "event"),
        "template_id": (K, "version in use"), "created_at": (R, "when"),
    },
    "checklist_entry": {
        "id": (K, "entry"), "checklist_id": (K, "checklist"), "item_id": (K, "item"),
        "due_at": (R, "due date"), "value": (R, "the agency's answer"),
        "justification": (R, "why a red-flag answer is needed"),
        "answered_by_id": (S, "who answered"), "answered_at": (R, "when"),
        "version": (OPS, "edit counter: a stale form cannot overwrite"),
    },
    "checklist_answer": {
        "id": (K, "answer history"), "entry_id": (K, "entry"), "value": (R, "answer"),
        "justification": (R, "justification"), "responder_id": (S, "who answered"),
        "answered_at": (R, "when"),
        "from_record": (R, "taken from the event record rather than typed"),
    },
    "plan_approval": {
        "id": (K, "approval"), "event_id": (K, "event approved"),
        "version": (R, "approval number of the event"), "approved_by_id": (S, "who approved"),
        "approved_at": (R, "when"), "note": (R, "approver's note"),
        "fingerprint": (R, "SHA-256 of the approved content"),
        "content": (R, "the approved material fields and checklist answers, as fingerprinted "
                       "(the event's own record, no personal details)"),
    },
    "event_material_change": {
        "id": (K, "change"), "event_id": (K, "event"), "approval_id": (K, "approval changed"),
        "actor_id": (S, "who changed it"), "at": (R, "when"),
        "status": (R, "event status at the change"),
        "reopened": (R, "whether it sent the plan back to planning"),
        "changes": (R, "each material field's old and new value in words"),
    },
    "operations_plan": {
        "id": (K, "plan"), "event_id": (K, "its event"),
        "copied_from_event_id": (K, "event whose plan it started from"),
        "created_by_id": (S, "who started it"), "created_at": (R, "when"),
    },
    "plan_version": {
        "id": (K, "version"), "plan_id": (K, "its plan"),
        "number": (R, "version number within the plan"),
        "status": (R, "draft, submitted, approved or superseded"),
        "sections": (R, "ICS-style sections: objectives, agency positions and units, "
                        "assignments, channels, medical, traffic, staging, contingencies, "
                        "demobilization (agency staff only, never participants)"),
        "map_geojson": (R, "geography only: route, staging areas, closures, first aid; "
                           "never where participants or people are"),
        "content_hash": (R, "SHA-256 of the sections and map"),
        "created_by_id": (S, "who made the version"), "created_at": (R, "when"),
        "updated_by_id": (S, "who last saved it"), "updated_at": (R, "when"),
        "submitted_by_id": (S, "who submitted it for approval"), "submitted_at": (R, "when"),
        "approval_id": (K, "the approval that approved it"),
        "version": (R, "edit version (stale saves are refused)"),
    },
    "plan_attachment": {
        "id": (K, "attachment"), "version_id": (K, "the plan version it belongs to"),
        "kind": (R, "permit, site map, traffic plan, legal review or other"),
        "title": (R, "what the document is"),
        "media_type": (R, "type found in the content"), "extension": (R, "for its name"),
        "size_bytes": (R, "size"), "sha256": (R, "SHA-256 of the content"),
        "storage_key": (K, "random name in the private file store (the uploaded file's "
                           "own name is not kept)"),
        "uploaded_by_id": (S, "who attached it"), "uploaded_at": (R, "when"),
    },
    "after_action_report": {
        "id": (K, "report"), "event_id": (K, "its event"),
        "went_as_planned": (R, "what went as planned"),
        "did_not_go_as_planned": (R, "what did not"),
        "arrests": (R, "count only, never names"), "injuries": (R, "count only"),
        "complaints": (R, "count only"), "use_of_force_reports": (R, "count only"),
        "lessons": (R, "lessons learned"),
        "reviewed_on": (R, "date of the after-action review"),
        "created_by_id": (S, "author"), "created_at": (R, "when"),
        "updated_by_id": (S, "who last saved it"), "updated_at": (R, "when"),
        "version": (R, "edit version (stale saves are refused)"),
    },
    "corrective_action": {
        "id": (K, "action"), "report_id": (K, "its after-action report"),
        "description": (R, "what the agency will change"),
        "owner_id": (S, "agency staff member responsible"),
        "due_on": (R, "due date"), "status": (R, "open or closed"),
        "closed_by_id": (S, "who closed it"), "closed_at": (R, "when"),
        "closing_note": (R, "how it was resolved"),
        "reminded_on": (R, "last day a reminder was sent"),
        "created_at": (R, "when"),
        "version": (R, "edit version (stale saves are refused)"),
    },
    "red_flag_review": {
        "id": (K, "review"), "entry_id": (K, "entry"), "answer_id": (K, "answer reviewed"),
        "status": (R, "review outcome"), "opened_at": (R, "when"),
        "decided_by_id": (S, "privacy officer"), "decided_at": (R, "when"),
        "decision_note": (R, "reasons for the decision"),
    },
    "outreach_contact": {
        "id": (K, "entry"), "event_id": (K, "contacts are reached through their event"),
        "contacted_at": (R, "when"), "method": (R, "how"), "purpose": (R, "why"),
        "organization": (R, "organization's public name, optional"),
        "summary": (R, "logistics and safety discussed"), "outcome": (R, "what came of it"),
        "follow_up_on": (R, "liaison task"), "follow_up_done_at": (R, "liaison task"),
        "officer_id": (S, "liaison officer"),
        "created_at": (R, "record lifecycle"), "updated_at": (R, "record lifecycle"),
        "person_name": (P, "to stay in touch; consent required; purged after the event"),
        "person_phone": (P, "to stay in touch; consent required; purged after the event"),
        "person_email": (P, "to stay in touch; consent required; purged after the event"),
        "consent_recorded_by_id": (S, "who recorded the consent"),
        "consent_recorded_at": (R, "when consent was recorded"),
        "personal_purged_at": (R, "when personal details were erased"),
        "version": (OPS, "edit counter: a stale form cannot overwrite"),
    },
    "form_submission": {
        "token": (OPS, "a creating form's one-time token: a repeat is not a second record"),
        "user_id": (S, "who submitted it"), "location": (OPS, "the page it led to"),
        "created_at": (OPS, "kept one day"),
    },
    "retention_hold": {
        "id": (K, "hold"), "contact_id": (K, "entry held"),
        "reason": (R, "legal reason for keeping details longer"),
        "expires_on": (R, "end of hold"), "placed_by_id": (S, "privacy officer"),
        "placed_at": (R, "when"), "released_by_id": (S, "privacy officer"),
        "released_at": (R, "when"),
    },
    "register_item": {
        "id": (K, "register item"), "event_id": (K, "the event it was gathered about"),
        "category": (R, "kind of item (post, photo or video, report, note, other)"),
        "description": (R, "what the item is; names no person without a criminal predicate"),
        "source": (R, "where the item came from"), "purpose": (R, "why it was gathered"),
        "concerns_individuals": (R, "whether it concerns individuals (needs a predicate)"),
        "predicate_reference": (R, "case or report number of the criminal predicate"),
        "predicate_review_id": (K, "the red-flag review that judged the predicate"),
        "recorded_by_id": (S, "who recorded it"), "recorded_at": (R, "when"),
        "due_on": (R, "disposition due date, by category (retention settings)"),
        "disposition": (R, "destroyed or kept"), "disposed_by_id": (S, "who disposed of it"),
        "disposed_at": (R, "when"), "destruction_method": (R, "how it was destroyed"),
        "keep_schedule": (R, "records schedule it is kept under"),
        "keep_justification": (R, "why it is kept"), "keep_until": (R, "kept until"),
        "keep_status": (R, "privacy officer's decision on keeping it"),
        "keep_decided_by_id": (S, "privacy officer"), "keep_decided_at": (R, "when"),
        "keep_decision_note": (R, "the privacy officer's note"),
        "version": (OPS, "edit counter: a stale form cannot overwrite"),
    },
    "dissemination_record": {
        "id": (K, "release"), "event_id": (K, "the event the information is about"),
        "what_kind": (R, "kind of information released"),
        "what_ref": (R, "reference to what was released"),
        "recipient_agency": (R, "receiving agency (never a person's address)"),
        "recipient_role": (R, "receiving role or office"),
        "need_to_know": (R, "the recipient's need to know (28 CFR 23.20(e))"),
        "authority": (R, "the authority for the release"), "method": (R, "how it was sent"),
        "released_by_id": (S, "who released it"), "released_at": (R, "when"),
        "recorded_at": (R, "when the release was logged"),
    },
    "calendar_feed": {
        "id": (K, "feed"), "owner_id": (S, "who the link belongs to"),
        "name": (S, "owner's name for the feed"),
        "token_hash": (S, "SHA-256 of the secret link token; the token is never stored"),
        "kind": (C, "filter"), "status": (C, "filter"),
        "assigned_to_owner": (C, "filter"), "include_cancelled": (C, "filter"),
        "created_at": (S, "link lifecycle"), "last_used_at": (S, "link lifecycle"),
        "revoked_at": (S, "link lifecycle"), "revoked_by_id": (S, "who revoked it"),
    },
    "calendar_sequence": {
        "event_id": (K, "event"), "sequence": (R, "iCalendar SEQUENCE"),
    },
    "calendar_generation": {"id": (K, "single row"), "value": (R, "cache generation")},
    "calendar_change": {
        "generation": (K, "cache generation"),
        "event_id": (R, "event whose feed entry the generation changed"),
    },
    "calendar_feed_cache": {
        "feed_id": (K, "feed"), "generation": (R, "cache key"),
        "settings_key": (R, "cache key: settings the rendering was made with"),
        "valid_until": (R, "cache expiry"), "etag": (R, "HTTP validator"),
        "gzip_etag": (R, "HTTP validator of the compressed feed"),
        "gzip_body": (R, "rendered feed, gzip-compressed: event schedule only, no "
                         "personal data"),
        "layout": (R, "event ids, sort keys and lengths inside the rendered feed"),
        "event_count": (R, "events in the feed"), "modified_at": (R, "Last-Modified"),
    },
    "reminder": {
        "id": (K, "reminder"), "key": (K, "unique: what, object, recipient, due time"),
        "kind": (R, "what is reminded"), "object_id": (K, "what it is about"),
        "event_id": (K, "event"), "recipient_id": (S, "staff recipient"),
        "due_at": (R, "when"), "state": (R, "delivery state"),
        "attempts": (R, "delivery attempts"), "next_attempt_at": (R, "retry time"),
        "claimed_at": (R, "dispatcher claim"), "claim_token": (R, "dispatcher claim"),
        "last_error": (R, "delivery error for administrators"),
        "channels_used": (R, "email and/or in-app"), "sent_at": (R, "when delivered"),
        "created_at": (R, "when scheduled"),
    },
    "notice": {
        "id": (K, "notice"), "event_id": (K, "event it concerns"),
        "subject": (R, "what happened, in words"), "body": (R, "the notice text"),
        "link": (R, "the page it concerns"), "created_at": (R, "when"),
    },
    "inbox_message": {
        "id": (K, "message"), "recipient_id": (S, "staff recipient"),
        "reminder_id": (K, "reminder"), "subject": (R, "reminder text (no personal data)"),
        "body": (R, "reminder text (no personal data)"), "link": (R, "page to open"),
        "created_at": (R, "when"), "read_at": (R, "when read"),
    },
    "reminder_preference": {
        "user_id": (K, "user"), "kind": (S, "kind of reminder"),
        "channel": (S, "email, in-app, both or off"),
    },
    "event_reminder_offsets": {"event_id": (K, "event"), "days": (R, "reminder offsets")},
    "user_reminder_offsets": {"user_id": (K, "user"), "days": (S, "reminder offsets")},
    "calendar_feed_fetch_count": {
        "feed_id": (K, "feed"), "hour": (A, "UTC hour of the fetches"),
        "not_modified": (A, "fetches answered 304 (nothing disclosed) in that hour"),
    },
    "scheduler_heartbeat": {
        "id": (K, "single row"),
        "beat_at": (OPS, "last sign of life of the scheduler process, for /healthz"),
    },
    "scheduler_leader": {
        "id": (K, "single row"),
        "node": (OPS, "the leading scheduler process: node name (SCHEDULER_NODE_NAME or the "
                      "host name) and process id"),
        "since": (OPS, "when it took the lead"),
        "renewed_at": (OPS, "when it last renewed its lease"),
        "lease_until": (OPS, "when a standby may take over if it has not renewed"),
    },
    "storage_scrub": {
        "id": (K, "single row"),
        "pending_since": (OPS, "when a purge's erased values were left in the database "
                               "files (a reader in the way); retried until empty"),
        "attempted_at": (OPS, "last attempt to erase them from the files"),
        "problem": (OPS, "why the last attempt could not (a fixed text, no values)"),
        "done_at": (OPS, "when they were last erased from the files"),
    },
    "product": {
        "id": (K, "product"), "event_id": (K, "the event it is about"),
        "kind": (R, "bulletin, briefing or other"), "created_by_id": (S, "who started it"),
        "created_at": (R, "when"), "version": (OPS, "edit counter: a stale form cannot overwrite"),
    },
    "product_version": {
        "id": (K, "product version"), "product_id": (K, "product"),
        "number": (R, "version number"), "title": (R, "the product's title"),
        "body": (R, "the product's text (records schedule)"),
        "recipients": (R, "intended recipients: agencies and roles"),
        "caveats": (R, "handling caveats"), "status": (R, "draft, review, released ..."),
        "written_by_id": (S, "who wrote it"), "written_at": (R, "when"),
        "submitted_at": (R, "when it was sent for review"),
        "q_protected_without_nexus": (R, "privacy review question"),
        "q_identifies_by_views": (R, "privacy review question (the answer is about the "
                                     "product's wording, not about anyone)"),
        "q_sources_stated": (R, "privacy review question"),
        "q_distribution_limited": (R, "privacy review question"),
        "review_note": (R, "the privacy officer's comments"),
        "reviewed_by_id": (S, "privacy officer"), "reviewed_at": (R, "when"),
        "released_by_id": (S, "who released it"), "released_at": (R, "when first released"),
        "version": (OPS, "edit counter: a stale form cannot overwrite"),
    },
    "online_authorization": {
        "id": (K, "authorization"), "event_id": (K, "the event it is for"),
        "level": (R, "level of online engagement"),
        "purpose": (R, "why the work is needed"),
        "predicate_reference": (R, "case or report number of the criminal predicate"),
        "platforms": (R, "kinds of platform (never accounts or people)"),
        "starts_on": (R, "period"), "ends_on": (R, "period: lapses by itself after"),
        "status": (R, "requested, authorized, refused, withdrawn"),
        "requested_by_id": (S, "who asked"), "requested_at": (R, "when"),
        "leadership_decision": (R, "leadership's decision"),
        "leadership_by_id": (S, "who decided"), "leadership_at": (R, "when"),
        "leadership_note": (R, "leadership's note"),
        "privacy_decision": (R, "privacy officer's concurrence"),
        "privacy_by_id": (S, "privacy officer"), "privacy_at": (R, "when"),
        "privacy_note": (R, "privacy officer's note"),
        "version": (OPS, "edit counter: a stale form cannot overwrite"),
    },
    "online_work_entry": {
        "id": (K, "work entry"), "authorization_id": (K, "authorization it was done under"),
        "worked_on": (R, "date of the work"), "platform": (R, "kind of platform"),
        "categories": (R, "what was looked at, in categories (never people)"),
        "logged_by_id": (S, "who did it"), "logged_at": (R, "when logged"),
    },
    "records_schedule": {
        "id": (K, "schedule"), "event_id": (K, "event"),
        "review_on": (R, "when the event's free text is next reviewed"),
        "decision": (R, "keep or purge"), "reason": (R, "why it is kept"),
        "decided_by_id": (S, "privacy officer"), "decided_at": (R, "when"),
        "texts_purged_at": (R, "when the free text was erased"),
        "version": (OPS, "edit counter: a stale form cannot overwrite"),
    },
}

# The full-text search index over events (tracker/events/search.py), made by its
# migration, not the models, and different on each database. It holds the words of the
# event's own planning fields listed above (title, venue, route, organizing group,
# logistics notes) and nothing about people; deleting an event removes its entry.
_SEARCHED = "words of the event's title, venue, route, organizing group, logistics notes"
SEARCH_INDEX: dict[str, dict[str, dict[str, tuple[str, str]]]] = {
    "sqlite": {
        "event_search": {
            "title": (R, _SEARCHED), "venue": (R, _SEARCHED),
            "route_description": (R, _SEARCHED), "organizing_group": (R, _SEARCHED),
            "logistics_notes": (R, _SEARCHED),
        },
        # FTS5's own shadow tables: the index's pages, per-row sizes and settings.
        "event_search_data": {"id": (OPS, "index page id"), "block": (R, _SEARCHED)},
        "event_search_idx": {"segid": (OPS, "index segment"), "term": (R, _SEARCHED),
                             "pgno": (OPS, "index page")},
        "event_search_docsize": {"id": (K, "event id"), "sz": (OPS, "token counts")},
        "event_search_config": {"k": (OPS, "index setting"), "v": (OPS, "index setting")},
    },
    "postgresql": {"event": {"search_vector": (R, _SEARCHED)}},
}


def inventory(dialect: str) -> dict[str, dict[str, tuple[str, str]]]:
    """INVENTORY with the search index's columns on `dialect` added."""
    merged = {table: dict(columns) for table, columns in INVENTORY.items()}
    for table, columns in SEARCH_INDEX.get(dialect, {}).items():
        merged.setdefault(table, {}).update(columns)
    return merged
