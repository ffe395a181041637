"""The ticket documentation of a resolved session (the hand-off of an escalated one: flowpilot.engine.handoff).

A clear template always; the LLM may rewrite the summary paragraph when available (never required).
"""

from django.utils import timezone

from flowpilot.models import AISession, StepType


def steps_and_findings(session: AISession) -> list[str]:
    lines = []
    for step in session.steps.order_by("order"):
        if not step.is_answered and step.step_type != StepType.SOLUTION:
            continue
        text = step.text.strip().replace("\n", " ")
        if step.step_type == StepType.CAPTURE:
            did = step.free_text_input or text
            lines.append(f"Checked: {did}" + (f" — found: {step.action_result}" if step.action_result else ""))
        elif step.step_type == StepType.QUESTION:
            answer = step.selected_option or (f"{step.free_text_input} (own answer)" if step.free_text_input else "")
            lines.append(f"{text} — {answer}" if answer else text)
        elif step.step_type in (StepType.ACTION, StepType.SCRIPT_GENERATION):
            outcome = step.action_result or ("didn't work: " + step.free_text_input if step.free_text_input else "")
            lines.append(f"Did: {text}" + (f" — {outcome}" if outcome else ""))
        elif step.step_type == StepType.SOLUTION and step.is_answered:
            lines.append(f"Suggested fix: {text} — {step.action_result or step.free_text_input}")
        if step.script_generation_id:
            generated = (step.content or {}).get("generated", {})
            lines.append(
                f"Generated script: {generated.get('template', 'template')} (generation {step.script_generation_id})"
            )
        for note in step.notes or []:
            lines.append(f"Note: {note.get('text', '')}")
    return lines


def time_spent(session: AISession) -> str:
    end = session.closed_at or timezone.now()
    minutes = max(1, round((end - session.created_at).total_seconds() / 60))
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def build_documentation(session: AISession) -> str:
    intake = session.intake_content or {}
    environment = [
        f"{label}: {intake[key]}"
        for key, label in (("client_name", "Client"), ("device", "Device"), ("ticket_id", "PSA ticket"))
        if intake.get(key)
    ]
    flow = (
        f"{session.matched_flow.name} (match {session.match_score:.0%})"
        if session.matched_flow and session.match_score is not None
        else "none"
    )
    parts = [
        f"## {session.problem_summary or 'Troubleshooting session'}",
        "",
        "**Problem**",
        "",
        intake.get("text", "").strip(),
        "",
        "**Environment**",
        "",
        *([f"- {line}" for line in environment] or ["- Not recorded"]),
        f"- Domain: {session.problem_domain or 'unknown'}; confidence: {session.confidence_tier}; flow: {flow}",
        "",
        "**Steps and findings**",
        "",
        *([f"{i}. {line}" for i, line in enumerate(steps_and_findings(session), 1)] or ["No steps recorded."]),
        "",
        "**Resolution**",
        "",
        session.resolution_summary.strip() or "—",
        "",
        f"**Time spent:** {time_spent(session)} (engineer: {session.engineer.display_name})",
    ]
    return "\n".join(parts).strip() + "\n"
