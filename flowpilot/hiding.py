"""An engineer hides a span by hand: a secret the detector did not recognise, typed into a session.

The span becomes the marker everywhere the session keeps text (the intake, every step's answer, finding
and notes, the transcript the LLM reads, the resolution, reasons, documentation and hand-off) and in the
proposals already built from the session, so nothing derived keeps it.
"""

from django.db import transaction

from flowpilot.errors import InvalidAnswer
from flowpilot.models import AISession
from knowledge.flywheel.hiding import hide_in_proposals
from resolutionflow.redaction import MARKER, hide_span

MIN_SPAN = 3  # shorter spans would hide ordinary words ("a", "on") all over the record
SESSION_TEXTS = (
    "problem_summary",
    "resolution_summary",
    "documentation",
    "feedback",
    "escalation_reason",
    "handoff_summary",
    "abandon_reason",
)
STEP_TEXTS = ("free_text_input", "action_result")


def hide_text(session: AISession, span: str) -> AISession:
    """Replace every occurrence of `span` in the session's record by the marker. Returns the session."""
    span = (span or "").strip()
    if len(span) < MIN_SPAN:
        raise InvalidAnswer("text", f"Give the exact text to hide (at least {MIN_SPAN} characters).")
    if MARKER in span:
        raise InvalidAnswer("text", "That text is already hidden.")
    with transaction.atomic():
        session = AISession.objects.select_for_update(of=("self",)).defer("intake_embedding").get(pk=session.pk)
        found = _hide_in_session(session, span)
        for step in session.steps.all():
            found |= _hide_in_step(step, span)
        found |= hide_in_proposals(session.account_id, str(session.pk), span)
        if not found:
            raise InvalidAnswer("text", "That text is not in this session.")
    return session


def _hide_in_session(session: AISession, span: str) -> bool:
    intake = session.intake_content or {}
    changed = _hide_texts(session, SESSION_TEXTS, span) + _hide_entries(
        session, "conversation_messages", "content", span
    )
    if (hidden := _hidden_in(intake, "text", span)) != intake:
        session.intake_content = hidden
        changed.append("intake_content")
    if changed:
        session.save(update_fields=[*changed, "updated_at"])
    return bool(changed)


def _hide_in_step(step, span: str) -> bool:
    changed = _hide_texts(step, STEP_TEXTS, span) + _hide_entries(step, "notes", "text", span)
    if changed:
        step.save(update_fields=changed)
    return bool(changed)


def _hide_texts(row, names: tuple[str, ...], span: str) -> list[str]:
    """Hide `span` in the row's text fields `names`; returns the fields that changed."""
    changed = []
    for name in names:
        value = getattr(row, name) or ""
        if (hidden := hide_span(value, span).text) != value:
            setattr(row, name, hidden)
            changed.append(name)
    return changed


def _hide_entries(row, name: str, key: str, span: str) -> list[str]:
    """Hide `span` in the `key` text of each entry (a dict) of the row's list field `name` (the transcript's
    messages, a step's notes); returns [name] when it changed."""
    entries = getattr(row, name) or []
    hidden = [_hidden_in(entry, key, span) for entry in entries]
    if hidden == entries:
        return []
    setattr(row, name, hidden)
    return [name]


def _hidden_in(entry, key: str, span: str):
    """A transcript message, a note or the intake (a dict) with its `key` text hidden (hide_span leaves the
    markers already there alone); anything else as it is."""
    if not isinstance(entry, dict) or not isinstance(entry.get(key), str):
        return entry
    return {**entry, key: hide_span(entry[key], span).text}
