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
    changed = []
    intake = dict(session.intake_content or {})
    text = _hidden(intake.get("text", ""), span)
    if text != intake.get("text", ""):
        session.intake_content = {**intake, "text": text}
        changed.append("intake_content")
    for name in SESSION_TEXTS:
        value = getattr(session, name) or ""
        if (hidden := _hidden(value, span)) != value:
            setattr(session, name, hidden)
            changed.append(name)
    messages = session.conversation_messages or []
    hidden_messages = [_hidden_in(m, "content", span) for m in messages]
    if hidden_messages != messages:
        session.conversation_messages = hidden_messages
        changed.append("conversation_messages")
    if changed:
        session.save(update_fields=[*changed, "updated_at"])
    return bool(changed)


def _hide_in_step(step, span: str) -> bool:
    changed = []
    for name in STEP_TEXTS:
        value = getattr(step, name) or ""
        if (hidden := _hidden(value, span)) != value:
            setattr(step, name, hidden)
            changed.append(name)
    notes = step.notes or []
    hidden_notes = [_hidden_in(note, "text", span) for note in notes]
    if hidden_notes != notes:
        step.notes = hidden_notes
        changed.append("notes")
    if changed:
        step.save(update_fields=changed)
    return bool(changed)


def _hidden(text: str, span: str) -> str:
    """`text` with `span` hidden where it shows (hide_span leaves the markers already there alone)."""
    return hide_span(text, span).text if text else text


def _hidden_in(entry, key: str, span: str):
    """A transcript message or a note (a dict) with its `key` text hidden; anything else as it is."""
    if not isinstance(entry, dict) or not isinstance(entry.get(key), str):
        return entry
    return {**entry, key: _hidden(entry[key], span)}
