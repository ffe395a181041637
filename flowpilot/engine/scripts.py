"""Scripts inside sessions: a flow action's script reference or the LLM's script proposal becomes a
script_generation step when (and only when) the template exists and the engineer may use it; parameters
are pre-filled from what the session knows, and each value is validated (the scripts app decides)."""

from flowpilot.models import AISession, StepType
from scripts.in_session import prefill_from_text, resolve_proposed_script, templates_for_prompt


def script_step(session: AISession, template_ref, params: dict | None, text: str, source: str) -> tuple[str, dict]:
    """(step_type, content): script_generation with an accessible template, else a plain action."""
    content = {"text": text, "instructions": text, "source": source}
    resolved = resolve_proposed_script(session.engineer, template_ref, pre_filled_params=params or {})
    if resolved is None:
        return StepType.ACTION, content
    template, valid = resolved
    guessed = prefill_from_text(template, session_texts(session))
    content["script"] = {
        "template": template.slug,
        "template_id": str(template.pk),
        "name": template.name,
        "params": {**guessed, **valid},
    }
    return StepType.SCRIPT_GENERATION, content


PREFILL_MESSAGES = 10


def session_texts(session: AISession) -> list[str]:
    """What the session knows, for pre-filling: the intake (with its client and device), then the engineer's
    latest `PREFILL_MESSAGES` messages (answers and notes) in order. Bounded whatever the session's length:
    pre-filling runs inside the answer's transaction."""
    intake = session.intake_content or {}
    first = "\n".join(intake.get(key) or "" for key in ("text", "device", "client_name"))
    said = [
        str(m.get("content", ""))
        for m in session.conversation_messages or []
        if m.get("role") == "user" and m.get("content") != intake.get("text")
    ]
    return [first, *said[-PREFILL_MESSAGES:]]


def prompt_context(session: AISession) -> str:
    """The templates the engineer may use, for FlowPilot's system prompt (at most 20, most used first)."""
    templates = templates_for_prompt(session.engineer, limit=20)
    if not templates:
        return ""
    lines = [
        f"- {t['slug']}: {t['name']} — {t['description'][:120]} (parameters: {', '.join(t['parameters'])})"
        for t in templates
    ]
    return (
        "Script templates the engineer can generate (suggest one with "
        '{"type": "action", "action_type": "script_generation", "template_id": "<slug>", '
        '"pre_filled_params": {...}, "instructions": "...", "confidence": 0-1} when running it is the next step; '
        "fill parameters only from the conversation):\n" + "\n".join(lines)
    )
