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
    if span in intake.get("text", ""):
        intake["text"] = hide_span(intake["text"], span).text
        session.intake_content = intake
        changed.append("intake_content")
    for name in SESSION_TEXTS:
        value = getattr(session, name) or ""
        if span in value:
            setattr(session, name, hide_span(value, span).text)
            changed.append(name)
    messages = session.conversation_messages or []
    if any(span in str(m.get("content", "")) for m in messages if isinstance(m, dict)):
        session.conversation_messages = [
            {**m, "content": hide_span(str(m.get("content", "")), span).text} if isinstance(m, dict) else m
            for m in messages
        ]
        changed.append("conversation_messages")
    if changed:
        session.save(update_fields=[*changed, "updated_at"])
    return bool(changed)


def _hide_in_step(step, span: str) -> bool:
    changed = [name for name in STEP_TEXTS if span in (getattr(step, name) or "")]
    for name in changed:
        setattr(step, name, hide_span(getattr(step, name), span).text)
    if any(span in str(note.get("text", "")) for note in step.notes or [] if isinstance(note, dict)):
        step.notes = [
            {**note, "text": hide_span(str(note.get("text", "")), span).text} if isinstance(note, dict) else note
            for note in step.notes
        ]
        changed.append("notes")
    if changed:
        step.save(update_fields=changed)
    return bool(changed)
