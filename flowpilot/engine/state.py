"""The session's state machine: which transition a status allows, the one locked read every transition
makes, and the one way into capture mode.

Statuses: active → resolved | escalated | abandoned, escalated → resolved (by its target) and escalated →
active (picked up: flowpilot.escalations). Every engine function that
changes a session is one transition, written as

    with transition(session, "resolve") as session:
        ...

which reads the session again, locked (one answer at a time, double submits serialised), refuses it with
`SessionClosed` unless its status allows that transition (TRANSITIONS), and commits everything done inside
the block at once. The engine function returns that session.

Adding a transition (picking up an escalated session, say) is a row in TRANSITIONS and a function whose
body runs inside `transition(...)`. A side effect that must commit or roll back with a transition (a row
queued for a PSA push, say) is one call inside the transition's block.

Modes say how the next step is produced (see flowpilot.engine). Capture is entered from many places
(an open end, the end of a flow, no LLM, the LLM budget spent, the engineer's choice): `enter_capture` is
the one way in.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction

from flowpilot.engine.steps import CAPTURE_PROMPT, capture_step
from flowpilot.errors import SessionClosed
from flowpilot.models import AISession, AISessionStep, SessionMode, SessionStatus

ANSWER, RESOLVE, ESCALATE, ABANDON, PICK_UP = "answer", "resolve", "escalate", "abandon", "pick_up"

TRANSITIONS: dict[str, tuple[str, ...]] = {
    # answering a step, switching flow, preferring capture, generating a script
    ANSWER: (SessionStatus.ACTIVE,),
    RESOLVE: (SessionStatus.ACTIVE, SessionStatus.ESCALATED),  # the escalation target resolves it
    ESCALATE: (SessionStatus.ACTIVE,),
    ABANDON: (SessionStatus.ACTIVE,),
    PICK_UP: (SessionStatus.ESCALATED,),  # its target becomes its engineer and goes on
}
CLOSING = (RESOLVE, ESCALATE, ABANDON)


def closing_actions(status: str) -> tuple[str, ...]:
    """The closing transitions a session in `status` still takes (what its page offers)."""
    return tuple(action for action in CLOSING if status in TRANSITIONS[action])


@contextmanager
def transition(session: AISession, action: str) -> Iterator[AISession]:
    """The session read again and locked inside one transaction, if its status allows `action`; else
    `SessionClosed`. Whatever the block does commits (or rolls back) with it."""
    with transaction.atomic():
        try:
            locked = _locked(session)
        except AISession.DoesNotExist:
            # PostgreSQL re-checks a locking read that waited against the row the other transaction wrote;
            # when that one changed a joined key (a pick-up changes the engineer) the row drops out of the
            # join. That transaction has committed by now: lock and read it again.
            locked = _locked(session)
        if locked.status not in TRANSITIONS[action]:
            raise SessionClosed(locked.status)
        yield locked


def _locked(session: AISession) -> AISession:
    """The session row locked for this transaction, with what its page shows (so a caller renders the
    returned session without reading it again). The vectors are not read: no step needs them, and `save()`
    then writes back only the fields read."""
    return (
        AISession.objects.select_for_update(of=("self",))
        .select_related("matched_flow", "engineer", "account", "team", "escalated_to_user", "escalated_to_team")
        .defer("intake_embedding", "matched_flow__embedding", "matched_flow__search_document")
        .get(pk=session.pk)
    )


def enter_capture(
    session: AISession, step: AISessionStep | None = None, *, text: str = CAPTURE_PROMPT, **extra
) -> AISessionStep:
    """Move the session into capture mode and return its capture prompt: `step` when the caller already
    made it (an open end's prompt, made by the flow walk), else a new one (`text`, plus `extra` content
    such as a notice)."""
    session.mode = SessionMode.CAPTURE
    return step if step is not None else capture_step(session, text, **extra)


def leave_flow(session: AISession, node_id: str, reason: str) -> None:
    """Record where and why the session left its flow: the first time only (the flywheel reads it)."""
    if not session.left_flow_node_id:
        session.left_flow_node_id = node_id
        session.left_flow_reason = reason
