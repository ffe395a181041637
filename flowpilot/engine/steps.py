"""Making steps: from a flow node, for choosing a flow, for capture, and recording them in the transcript."""

from flowpilot.models import AISession, AISessionStep, StepType
from knowledge.tree_format import is_open_end

CAPTURE_PROMPT = "What did you check or do, and what did you find?"
FLOW_CHOICE_PROMPT = "Which of these flows fits the problem?"
OPEN_END_PROMPT = "Nobody has explored “{label}” yet. Record what you check and what you find, step by step."
FLOW_ENDED_PROMPT = "The flow ends here. Record what you did next and what you found, or resolve the session."


def add_step(session: AISession, step_type: str, content: dict, *, flow=None, flow_node_id: str = "") -> AISessionStep:
    """Append a step (the next order number) and its text to the transcript."""
    last = session.steps.order_by("-order").values_list("order", flat=True).first()
    step = AISessionStep.objects.create(
        session=session,
        order=(last or 0) + 1,
        step_type=step_type,
        content={"options": [], **content},
        flow=flow,
        flow_node_id=flow_node_id,
    )
    say(session, "assistant", _transcript_text(step))
    return step


def say(session: AISession, role: str, text: str) -> None:
    session.conversation_messages = [*(session.conversation_messages or []), {"role": role, "content": text}]


def node_step(session: AISession, flow, node: dict) -> AISessionStep:
    """The step for a node of the flow being walked. An open end continues in capture mode from there."""
    kind = node.get("type")
    if kind == "question":
        content = {
            "text": node["question"],
            "options": [c["label"] for c in node.get("children", [])],
            "source": "flow",
        }
        return add_step(session, StepType.QUESTION, content, flow=flow, flow_node_id=node["id"])
    if kind == "action":
        if node.get("script"):
            from flowpilot.engine.scripts import script_step

            reference = node["script"]
            step_type, content = script_step(
                session, reference.get("template"), reference.get("params"), node["instructions"], "flow"
            )
            return add_step(session, step_type, content, flow=flow, flow_node_id=node["id"])
        content = {"text": node["instructions"], "instructions": node["instructions"], "source": "flow"}
        return add_step(session, StepType.ACTION, content, flow=flow, flow_node_id=node["id"])
    if is_open_end(node):
        content = {
            "text": OPEN_END_PROMPT.format(label=node.get("label") or node["resolution"]),
            "source": "open_end",
            "open_end": node["resolution"],
        }
        return add_step(session, StepType.CAPTURE, content, flow=flow, flow_node_id=node["id"])
    content = {"text": node["resolution"], "source": "flow"}
    return add_step(session, StepType.SOLUTION, content, flow=flow, flow_node_id=node["id"])


def procedure_step(session: AISession, flow, index: int) -> AISessionStep:
    """Step `index` of a procedural flow, as an action: done → the next step."""
    steps = flow.tree_structure["steps"]
    step = steps[index]
    content = {
        "text": f"{step['title']}: {step['instructions']}",
        "title": step["title"],
        "instructions": step["instructions"],
        "source": "flow",
        "position": f"{index + 1} of {len(steps)}",
    }
    return add_step(session, StepType.ACTION, content, flow=flow, flow_node_id=step["id"])


def procedure_done_step(session: AISession, flow) -> AISessionStep:
    """Every step of the procedure is done: resolving here is resolving at the procedure's end."""
    last = flow.tree_structure["steps"][-1]
    content = {"text": f"Every step of “{flow.name}” is done.", "source": "flow", "procedure_done": True}
    return add_step(session, StepType.SOLUTION, content, flow=flow, flow_node_id=last["id"])


def capture_step(session: AISession, text: str = CAPTURE_PROMPT, **extra) -> AISessionStep:
    return add_step(session, StepType.CAPTURE, {"text": text, "source": "capture", **extra})


def flow_choice_step(session: AISession, candidates: list[dict]) -> AISessionStep:
    content = {
        "text": FLOW_CHOICE_PROMPT,
        "options": [c["name"] for c in candidates],
        "source": "flow_choice",
        "flows": candidates,
    }
    return add_step(session, StepType.QUESTION, content)


def _transcript_text(step: AISessionStep) -> str:
    text = step.content.get("text", "")
    options = step.content.get("options") or []
    if options:
        return f"{text}\nOptions: " + " | ".join(options)
    return text
