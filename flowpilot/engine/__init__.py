"""The FlowPilot engine: start a session, answer its steps, switch flow, resolve, escalate, abandon.

Modes (AISession.mode): `guided` walks the matched flow node by node; `flow_choice` (exploring with no
LLM) asks which candidate flow fits; `llm` asks the LLM for one validated step at a time; `capture`
records what the engineer checked and found. A free-text answer where options were offered is the
free-text escape: the session leaves the flow (recorded) and goes on in LLM or capture mode.

Each function is one transition of the state machine in `flowpilot.engine.state` and returns the
session; `current_step(session)` reads the step now shown. Views, the API and the demo seeding all call
these functions; none of them holds a rule.
"""

from django.conf import settings
from django.db import transaction
from django.db.models import Func, IntegerField, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from flowpilot import escalations, rollups
from flowpilot.classify import classify_domain, summarise
from flowpilot.engine.documentation import build_documentation
from flowpilot.engine.handoff import build_handoff, handoff_text
from flowpilot.engine.llm_mode import llm_available, next_llm_step
from flowpilot.engine.state import (
    ABANDON,
    ANSWER,
    ESCALATE,
    PICK_UP,
    RESOLVE,
    closing_actions,
    enter_capture,
    leave_flow,
    transition,
)
from flowpilot.engine.steps import (
    FLOW_ENDED_PROMPT,
    flow_choice_step,
    node_step,
    procedure_done_step,
    procedure_step,
    say,
)
from flowpilot.errors import InvalidAnswer, InvalidIntake
from flowpilot.models import (
    AISession,
    AISessionStep,
    AnalysisStatus,
    LeftFlowReason,
    SessionMode,
    SessionStatus,
    StepType,
)
from flowpilot.psa import services as psa
from knowledge import matching, usage
from knowledge.matching import ConfidenceTier
from knowledge.models import Tree, TreeStatus
from knowledge.tree_format import PROCEDURAL, find_node
from resolutionflow.ai.embeddings import get_embedder
from resolutionflow.redaction import redacted

MAX_INTAKE = 10_000
MAX_NOTE_LENGTH = 2_000
FLOW_CHOICES = 3
FLOW_CHOICE_MIN_SCORE = 0.2  # candidates below this are noise, not choices
CLOSED_AT = {
    SessionStatus.RESOLVED: "resolved_at",
    SessionStatus.ESCALATED: "escalated_at",
    SessionStatus.ABANDONED: "abandoned_at",
}

__all__ = [
    "MAX_INTAKE",
    "MAX_NOTE_LENGTH",
    "abandon_session",
    "answer_step",
    "closing_actions",
    "current_step",
    "escalate_session",
    "generate_script",
    "pick_up_session",
    "prefer_capture",
    "resolve_session",
    "start_session",
    "switch_flow",
]


# ── Start ──────────────────────────────────────────────────────────────────────────────────────────


def start_session(
    engineer, text: str, *, client_name: str = "", device: str = "", ticket_id: str = "", prefer_capture: bool = False
) -> AISession:
    """Match the problem to the account's flows, pick the tier and mode, and produce the first step."""
    text = redacted((text or "").strip())
    if not text:
        raise InvalidIntake("intake", "Describe the problem to start a session.")
    if len(text) > MAX_INTAKE:
        raise InvalidIntake("intake", f"The problem description is limited to {MAX_INTAKE:,} characters.")
    account = engineer.account
    embedder = get_embedder()
    vector = embedder.embed_one(text, "query")
    found = matching.match(account, text, limit=5, query_vector=vector)
    best_tree, best_score = found[0] if found else (None, None)
    tier = matching.confidence_tier(best_score)
    candidates = [{"flow_id": str(t.pk), "name": t.name, "score": round(s, 4)} for t, s in found]
    matched = best_tree if tier != ConfidenceTier.DISCOVERY else None
    domain = classify_domain(text, matched_domain=matched.problem_domain if matched else None)

    with transaction.atomic():
        session = AISession.objects.create(
            account=account,
            team=engineer.team,
            engineer=engineer,
            intake_content={
                "text": text,
                "client_name": client_name.strip(),
                "device": device.strip(),
                "ticket_id": ticket_id.strip(),
            },
            intake_embedding=vector,
            intake_embedding_model=embedder.model_name,
            problem_summary=summarise(text),
            problem_domain=domain,
            confidence_tier=tier,
            matched_flow=matched,
            matched_flow_version=matched.version if matched else None,
            match_score=best_score if matched else None,
            candidate_matches=candidates,
            conversation_messages=[{"role": "user", "content": text}],
        )
        if matched is not None:
            usage.record_match(matched)
        _first_step(session, tier, candidates, prefer_capture)
        session.save()
        rollups.refresh_session_day(session)
    return session


def _first_step(session: AISession, tier: ConfidenceTier, candidates: list[dict], prefer_capture: bool) -> None:
    if prefer_capture:
        enter_capture(session)
    elif tier == ConfidenceTier.GUIDED:
        _start_flow(session, session.matched_flow)
    elif llm_available():
        _ask_llm(session, candidates if tier == ConfidenceTier.EXPLORING else None)
    elif tier == ConfidenceTier.EXPLORING:
        session.mode = SessionMode.FLOW_CHOICE
        plausible = [c for c in candidates if c["score"] >= FLOW_CHOICE_MIN_SCORE]
        flow_choice_step(session, plausible[:FLOW_CHOICES])
    else:
        enter_capture(session)


def _start_flow(session: AISession, flow: Tree) -> AISessionStep:
    if flow.tree_type == PROCEDURAL:
        _guided_at(session, flow.tree_structure["steps"][0]["id"])
        return procedure_step(session, flow, 0)
    return _walk_to(session, flow, flow.tree_structure)


def _walk_to(session: AISession, flow: Tree, node: dict) -> AISessionStep:
    _guided_at(session, node["id"])
    step = node_step(session, flow, node)
    if step.step_type == StepType.CAPTURE:  # an open end: capture from here, so the flywheel fills it in
        leave_flow(session, node["id"], LeftFlowReason.OPEN_END)
        enter_capture(session, step)
    return step


def _guided_at(session: AISession, node_id: str) -> None:
    session.mode = SessionMode.GUIDED
    session.current_node_id = node_id


def _ask_llm(session: AISession, candidates: list[dict] | None) -> AISessionStep:
    """LLM mode: its next step (which itself falls back to capture when the LLM cannot give one)."""
    session.mode = SessionMode.LLM
    return next_llm_step(session, candidates)


# ── Answer ─────────────────────────────────────────────────────────────────────────────────────────


def current_step(session: AISession) -> AISessionStep | None:
    """The step the session shows now (its latest)."""
    return session.steps.order_by("-order").first()


def answer_step(
    session: AISession,
    *,
    selected_option: str | None = None,
    free_text: str | None = None,
    result: str | None = None,
    action_result: str | None = None,
    note: str | None = None,
) -> AISession:
    """Record the engineer's answer to the current step and return the session, showing its next step.

    Exactly one of: `selected_option` (one of the offered options), `free_text` (+ optional `result`:
    a capture finding, or the escape from the offered options), `action_result` (the action was done:
    go on), `note` (recorded; the step stays). Every text passes the secret detector before it is kept.
    """
    free_text, result, action_result, note = (_without_secrets(v) for v in (free_text, result, action_result, note))
    with transition(session, ANSWER) as session:
        step = current_step(session)
        if step is not None and step.flow_id is not None and step.flow_id == session.matched_flow_id:
            step.flow = session.matched_flow  # read with the session: not a second time
        given = [
            name
            for name, value in (
                ("selected_option", selected_option),
                ("free_text", free_text),
                ("action_result", action_result),
                ("note", note),
            )
            if value is not None
        ]
        if len(given) != 1:
            raise InvalidAnswer("non_field_errors", "Give one of selected_option, free_text, action_result or note.")
        if note is not None:
            _record_note(step, note)
            return session
        if step.is_answered:  # a resumed session whose last step was answered before a crash
            raise InvalidAnswer("non_field_errors", "This step was already answered.")
        if selected_option is not None:
            _choose(session, step, selected_option)
        elif free_text is not None:
            _free_text(session, step, free_text, result)
        else:
            _action_done(session, step, action_result)
        session.answered_step_count += 1  # a rollup for analytics: avg steps to resolution without a join
        session.save()
    return session


def _without_secrets(text: str | None) -> str | None:
    """A free text with its secrets replaced by the marker (resolutionflow.redaction), before anything keeps it."""
    return None if text is None else redacted(text)


def _record_note(step: AISessionStep, note: str) -> None:
    """A note on the current step. Notes are capped per session (FLOWPILOT_MAX_NOTES_PER_SESSION) and in
    length: everything derived from the transcript (pre-fill, prompts, documentation) stays bounded."""
    note = note.strip()
    if not note:
        raise InvalidAnswer("note", "A note cannot be empty.")
    if len(note) > MAX_NOTE_LENGTH:
        raise InvalidAnswer("note", f"A note is limited to {MAX_NOTE_LENGTH:,} characters ({len(note):,} given).")
    limit = settings.FLOWPILOT_MAX_NOTES_PER_SESSION
    if _note_count(step.session) >= limit:
        raise InvalidAnswer("note", f"This session already has {limit:,} notes, the most it takes.")
    step.notes = [*(step.notes or []), {"text": note, "at": timezone.now().isoformat()}]
    step.save(update_fields=["notes"])
    say(step.session, "user", f"Note: {note}")
    step.session.save(update_fields=["conversation_messages", "updated_at"])


def _note_count(session: AISession) -> int:
    counted = session.steps.aggregate(
        notes=Coalesce(Sum(Func("notes", function="jsonb_array_length", output_field=IntegerField())), 0)
    )
    return counted["notes"]


def _choose(session: AISession, step: AISessionStep, option: str) -> None:
    offered = step.options
    if not offered:
        raise InvalidAnswer("selected_option", "This step offers no options.", offered=[])
    chosen = next((o for o in offered if o == option), None) or next(
        (o for o in offered if o.casefold() == option.strip().casefold()), None
    )
    if chosen is None:
        raise InvalidAnswer("selected_option", f"“{option}” is not one of the offered options.", offered=offered)
    _mark(step, selected_option=chosen)
    say(session, "user", chosen)
    source = step.content.get("source")
    if source == "flow_choice":
        choice = next(c for c in step.content["flows"] if c["name"] == chosen)
        flow = Tree.objects.for_account(session.account).filter(pk=choice["flow_id"]).first()
        if flow is None or flow.status != TreeStatus.PUBLISHED:
            enter_capture(session)
            return
        _switch(session, flow, choice["score"])
    elif source == "flow":
        ref = find_node(step.flow.tree_structure, step.flow_node_id) if step.flow else None
        child = next((c for c in (ref.node.get("children", []) if ref else []) if c.get("label") == chosen), None)
        if child is None:  # the flow changed under the session: carry on by capture
            leave_flow(session, step.flow_node_id, LeftFlowReason.FLOW_ENDED)
            _continue_off_flow(session)
        else:
            _walk_to(session, step.flow, child)
    else:
        _continue_off_flow(session)


def _free_text(session: AISession, step: AISessionStep, text: str, result: str | None) -> None:
    text = (text or "").strip()
    if not text:
        raise InvalidAnswer("free_text", "Write what you checked, found or did.")
    result = (result or "").strip()
    if step.step_type == StepType.CAPTURE:
        _mark(step, free_text_input=text, action_result=result)
        say(session, "user", f"Checked: {text}" + (f"\nFound: {result}" if result else ""))
        _continue_off_flow(session)
        return
    # Free text where options or an action were offered: the escape.
    _mark(
        step,
        free_text_input=text,
        was_free_text=True,
        action_result=result or ("Didn't work" if step.step_type in (StepType.ACTION, StepType.SOLUTION) else ""),
    )
    say(session, "user", text + (f"\nResult: {result}" if result else ""))
    if session.mode == SessionMode.GUIDED and step.flow_node_id:
        leave_flow(session, step.flow_node_id, LeftFlowReason.FREE_TEXT)
    _continue_off_flow(session, after_escape=True)


def _action_done(session: AISession, step: AISessionStep, action_result: str) -> None:
    action_result = (action_result or "").strip()
    if step.step_type not in (StepType.ACTION, StepType.SCRIPT_GENERATION):
        raise InvalidAnswer("action_result", "Only an action step takes an action result.")
    if not action_result:
        raise InvalidAnswer("action_result", "Say what happened when you did it.")
    _mark(step, action_result=action_result)
    say(session, "user", f"Done: {action_result}")
    if session.mode == SessionMode.GUIDED and step.flow is not None and step.flow.tree_type == PROCEDURAL:
        ids = [s["id"] for s in step.flow.tree_structure["steps"]]
        index = ids.index(step.flow_node_id) + 1 if step.flow_node_id in ids else len(ids)
        if index < len(ids):
            session.current_node_id = ids[index]
            procedure_step(session, step.flow, index)
        else:
            procedure_done_step(session, step.flow)
        return
    if session.mode == SessionMode.GUIDED and step.flow is not None:
        ref = find_node(step.flow.tree_structure, step.flow_node_id)
        children = ref.node.get("children", []) if ref else []
        if children:
            _walk_to(session, step.flow, children[0])
            return
        leave_flow(session, step.flow_node_id, LeftFlowReason.FLOW_ENDED)
        enter_capture(session, text=FLOW_ENDED_PROMPT)
        return
    _continue_off_flow(session)


def _continue_off_flow(session: AISession, after_escape: bool = False) -> None:
    """Off the flow: the LLM if there is one (and the engineer did not pick capture), else capture."""
    if session.mode in (SessionMode.GUIDED, SessionMode.FLOW_CHOICE, SessionMode.LLM) and llm_available():
        _ask_llm(session, session.candidate_matches if after_escape else None)
    else:
        enter_capture(session)


def _mark(step: AISessionStep, **fields) -> None:
    for name, value in fields.items():
        setattr(step, name, value)
    step.answered_at = timezone.now()
    step.save()
    rollups.record_answer(step)


# ── Switch flow ────────────────────────────────────────────────────────────────────────────────────


def switch_flow(session: AISession, flow: Tree) -> AISession:
    """Walk another flow from its root (the matched flows panel); recorded, candidates kept as they were."""
    with transition(session, ANSWER) as session:
        if flow.account_id != session.account_id or flow.status != TreeStatus.PUBLISHED:
            raise InvalidAnswer("flow_id", "Choose a published flow of this account.")
        score = next((c["score"] for c in session.candidate_matches if c["flow_id"] == str(flow.pk)), None)
        say(session, "user", f"Switched to the flow “{flow.name}”.")
        _switch(session, flow, score)
        session.save()
    return session


def _switch(session: AISession, flow: Tree, score: float | None) -> AISessionStep:
    session.matched_flow = flow
    session.matched_flow_version = flow.version
    session.match_score = score
    session.left_flow_node_id = ""
    session.left_flow_reason = ""
    return _start_flow(session, flow)


def prefer_capture(session: AISession) -> AISession:
    """The engineer would rather record their own steps than follow suggestions."""
    with transition(session, ANSWER) as session:
        step = current_step(session)
        if step and step.step_type == StepType.CAPTURE and not step.is_answered:
            return session
        if session.mode == SessionMode.GUIDED and step and step.flow_node_id:
            leave_flow(session, step.flow_node_id, LeftFlowReason.FREE_TEXT)
        enter_capture(session)
        session.save()
    return session


# ── Close ──────────────────────────────────────────────────────────────────────────────────────────
# Each close is one transition block that reads top to bottom: validate, drop the unanswered prompt, set
# the status (`_close`), fill in what this close records, then `_save_closed`. A side effect that must
# commit with the close (a PSA push row, say) is one call inside the block.


def resolve_session(
    session: AISession,
    *,
    resolution_summary: str,
    rating: int | None = None,
    feedback: str = "",
    worked_minutes: int | None = None,
) -> AISession:
    """Resolve: documentation, the flow outcome (its one recorder), analysis queued (pending), and for a
    session linked to a PSA ticket the note and time entries queued (`worked_minutes`: the resolver's time
    as the resolve dialog edited it)."""
    summary = redacted((resolution_summary or "").strip())
    if not summary:
        raise InvalidAnswer("resolution_summary", "Say how the problem was resolved.")
    if rating is not None and not 1 <= int(rating) <= 5:
        raise InvalidAnswer("rating", "A rating is 1 to 5.")
    with transition(session, RESOLVE) as session:
        _drop_unanswered_prompt(session)
        _accept_shown_solution(session)
        _close(session, SessionStatus.RESOLVED)
        session.resolution_summary = summary
        session.rating = int(rating) if rating is not None else None
        session.feedback = redacted((feedback or "").strip())
        session.analysis_status = AnalysisStatus.PENDING
        say(session, "user", f"Resolved: {summary}")
        session.documentation = build_documentation(session)
        psa.queue_resolve_pushes(session, worked_minutes=worked_minutes)
        _save_closed(session)
    return session


def escalate_session(session: AISession, *, reason: str, target_user=None, target_team=None) -> AISession:
    """Escalate to a person or a team of the account (or the next line): the hand-off note is written."""
    reason = redacted((reason or "").strip())
    if not reason:
        raise InvalidAnswer("reason", "Say why the session is escalated.")
    with transition(session, ESCALATE) as session:
        if target_user is not None and target_user.account_id != session.account_id:
            raise InvalidAnswer("target_user_id", "Choose someone in your account.")
        if target_user is not None and target_user.pk == session.engineer_id:
            raise InvalidAnswer("target_user_id", "You hold this session: escalate it to someone else.")
        if target_user is not None and not target_user.is_active:
            raise InvalidAnswer("target_user_id", f"{target_user} is deactivated: choose someone who can take it.")
        if target_team is not None and target_team.account_id != session.account_id:
            raise InvalidAnswer("target_team_id", "Choose a team of your account.")
        _drop_unanswered_prompt(session)
        _close(session, SessionStatus.ESCALATED)
        session.escalation_reason = reason
        session.escalated_to_user = target_user
        session.escalated_to_team = target_team
        handoff = build_handoff(session)
        session.handoff_summary = handoff_text(handoff)
        escalations.record_escalation(session, handoff)
        psa.queue_escalate_pushes(session)
        say(session, "user", f"Escalated: {reason}")
        _save_closed(session)
    return session


def abandon_session(session: AISession, *, reason: str = "") -> AISession:
    with transition(session, ABANDON) as session:
        _drop_unanswered_prompt(session)
        _close(session, SessionStatus.ABANDONED)
        session.abandon_reason = redacted((reason or "").strip())
        _save_closed(session)
    return session


def pick_up_session(session: AISession, engineer) -> AISession:
    """`engineer` picks up the escalated session: they become its engineer (their team its team), it is
    active again with its whole path, and it goes on from the step where it stopped, or in capture mode when
    that step was answered. Who may, and the hand-off's record, are flowpilot.escalations' rules."""
    with transition(session, PICK_UP) as session:
        escalations.record_pick_up(session, engineer)  # PermissionDenied unless it is for `engineer`
        say(session, "user", f"Picked up by {engineer.display_name} from {session.engineer.display_name}.")
        session.engineer = engineer
        session.team_id = engineer.team_id
        session.status = SessionStatus.ACTIVE
        session.escalated_to_user = None
        session.escalated_to_team = None
        step = current_step(session)
        if step is None or step.is_answered:
            enter_capture(session)
        session.save()
        rollups.refresh_session_day(session)
    return session


def _close(session: AISession, status: str) -> None:
    session.status = status
    setattr(session, CLOSED_AT[status], timezone.now())


def _save_closed(session: AISession) -> None:
    """The end of every close: the flow's outcome recorded (once, at the final close: an escalation is not
    final, whoever picks the session up goes on), the session saved, its day's rollup."""
    if session.status != SessionStatus.ESCALATED:
        _record_outcome(session)
    session.save()
    rollups.refresh_session_day(session)


def _accept_shown_solution(session: AISession) -> None:
    """Resolving an active session on an unanswered solution step accepts that solution: the step is
    answered and, when it is the matched flow's, its node is where the flow resolved."""
    step = current_step(session)
    if session.status != SessionStatus.ACTIVE or step is None or step.step_type != StepType.SOLUTION:
        return
    if step.is_answered:
        return
    if step.flow_id and step.flow_id == session.matched_flow_id:
        session.resolution_node_id = step.flow_node_id
    _mark(step, action_result="Resolved the issue")
    session.answered_step_count += 1


def _drop_unanswered_prompt(session: AISession) -> None:
    """Closing while capture waits for "what did you check?" keeps no step for that prompt: it only asked
    what came next, and nobody answered. The record (timeline, API, documentation, hand-off, usage stats,
    the flywheel's path) holds what was done. A prompt with notes or a generated script holds work: kept."""
    step = current_step(session)
    if (
        step is not None
        and step.step_type == StepType.CAPTURE
        and not step.is_answered
        and not step.notes
        and step.script_generation_id is None
    ):
        step.delete()


def _record_outcome(session: AISession) -> None:
    """Once per session, at its final close (resolved or abandoned; an escalated session is recorded when
    whoever picks it up, or its target, closes it): the flow's usage stats (knowledge.usage owns them)."""
    if session.outcome_recorded:
        return
    usage.record_session_outcome(session, list(session.steps.all()))
    session.outcome_recorded = True


# ── Scripts ────────────────────────────────────────────────────────────────────────────────────────


def generate_script(session: AISession, *, user, template, params: dict):
    """Generate a script from the step being shown and link it to that step (no second step).

    The step becomes a script_generation step (a capture step where the engineer searched a template too).
    Returns (generation, full script); the full script is shown once and never stored.
    """
    from scripts.services import generate

    with transition(session, ANSWER) as session:
        step = current_step(session)
        generation, script = generate(user, template, params=params, ai_session=session)
        step.script_generation = generation
        if step.step_type in (StepType.ACTION, StepType.CAPTURE):
            step.step_type = StepType.SCRIPT_GENERATION
        step.content = {**step.content, "generated": {"generation_id": str(generation.pk), "template": template.slug}}
        step.save(update_fields=["script_generation", "step_type", "content"])
        say(session, "user", f"Generated the script “{template.name}” (generation {generation.pk}).")
        session.save(update_fields=["conversation_messages", "updated_at"])
    return generation, script
