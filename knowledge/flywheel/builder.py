"""Flows built by rules from a session's recorded path: a new flow, or an enhancement of the matched flow.

The steps are the evidence. Questions keep their options: the one taken leads on, the others become
open ends. A capture step becomes an action (the check, worded as an instruction: "Check the DNS") followed
by "What did you find?" whose options are the finding (leading on) and an open end "Something else", so the
next engineer can branch off where this one did. The fix is the final solution node. A bare "Checked" or
"Done" is no step. Every tree returned passes the tree validator.

Client specifics become role words (knowledge.flywheel.generalise): the whole envelope of a new flow, and
the new branch (with its label and the description) of an enhancement, so its diff carries none.
"""

import copy
import re

from knowledge.flywheel.facts import StepKind
from knowledge.flywheel.generalise import Generaliser, title
from knowledge.flywheel.wording import imperative, is_filler
from knowledge.tree_diff import describe, diff_trees
from knowledge.tree_format import (
    MAX_LABEL_LENGTH,
    MAX_OPTIONS,
    OPEN_END_TEXT,
    QUESTION,
    SOLUTION,
    TROUBLESHOOTING,
    find_node,
    iter_nodes,
    validate_tree,
)

SOMETHING_ELSE = "Something else"


class Ids:
    """Short ids unique in one tree (and not clashing with the ids it already has)."""

    def __init__(self, prefix: str, taken=()):
        self.prefix = prefix
        self.taken = set(taken)
        self.n = 0

    def __call__(self) -> str:
        while True:
            self.n += 1
            candidate = f"{self.prefix}{self.n}"
            if candidate not in self.taken:
                self.taken.add(candidate)
                return candidate


def label(text: str, fallback: str = "Yes") -> str:
    text = " ".join(str(text or "").split())
    if not text:
        return fallback
    return text if len(text) <= MAX_LABEL_LENGTH else text[: MAX_LABEL_LENGTH - 1] + "…"


def open_end(ids: Ids, option: str) -> dict:
    return {"id": ids(), "label": label(option), "type": SOLUTION, "resolution": OPEN_END_TEXT, "open": True}


NEXT = "Next"


def chain(steps, resolution: str, ids: Ids) -> dict:
    """The path of answered steps as nested nodes ending in the fix (the head has no label yet)."""
    fix = imperative(resolution.strip(), default_verb="") if resolution.strip() else "Resolved."
    node = {"id": ids(), "type": "solution", "resolution": fix}
    for step in reversed([s for s in steps if s.answered_at is not None]):
        node = _wrap(step, node, ids)
    return node


def _wrap(step, rest: dict, ids: Ids) -> dict:
    kind = step.step_type
    text = (step.content or {}).get("text", "").strip()
    if kind == StepKind.CAPTURE:
        check = step.free_text_input.strip()
        return _check_then_finding(imperative(check) if check else "", step.action_result, rest, ids)
    if kind == StepKind.QUESTION and (step.content or {}).get("source") != "flow_choice":
        return _question(text, step, rest, ids)
    if kind in (StepKind.ACTION, StepKind.SCRIPT_GENERATION):
        if step.was_free_text:  # it didn't work: what happened is the new branch
            return _check_then_finding(text, step.free_text_input or step.action_result, rest, ids, other="It worked")
        if not text or is_filler(text):
            return rest
        return _then({"id": ids(), "type": "action", "instructions": text}, rest, _edge(step.action_result))
    if kind == StepKind.SOLUTION and step.was_free_text:
        tried = {"id": ids(), "type": "action", "instructions": f"Try: {text}"}
        question = {
            "id": ids(),
            "type": "question",
            "question": "Did that fix it?",
            "children": [
                {**rest, "label": label(f"No: {step.free_text_input}")},
                {"id": ids(), "label": "Yes", "type": "solution", "resolution": text},
            ],
        }
        return _then(tried, question, NEXT)
    return rest  # a flow-choice question or an unanswered solution adds nothing to the path


def _check_then_finding(check: str, finding: str, rest: dict, ids: Ids, other: str = SOMETHING_ELSE) -> dict:
    """The check as an action, then "What did you find?" with the finding as an option. A bare "Checked"
    makes no action; a bare "Done" no finding."""
    finding = "" if is_filler(finding) else label(finding, "")
    question = None
    if finding:
        if finding.casefold() == other.casefold():
            other = f"{other} (not recorded)"
        question = {
            "id": ids(),
            "type": "question",
            "question": "What did you find?",
            "children": [{**rest, "label": finding}, open_end(ids, other)],
        }
    if not check or is_filler(check):
        return question or rest
    action = {"id": ids(), "type": "action", "instructions": check}
    return _then(action, question or rest, NEXT)


def _edge(result: str) -> str:
    """The label after an action: what happened when it says something, else "Next"."""
    return NEXT if not result or is_filler(result) or result.casefold().startswith("done") else result


def _question(text: str, step, rest: dict, ids: Ids) -> dict:
    offered = [label(o) for o in (step.content or {}).get("options") or []]
    taken = label(step.free_text_input) if step.was_free_text else label(step.selected_option)
    options = [o for o in offered if o.casefold() != taken.casefold()][: MAX_OPTIONS - 1]
    children = [{**rest, "label": taken}] + [open_end(ids, o) for o in options]
    if len(children) < 2:
        children.append(open_end(ids, SOMETHING_ELSE))
    return {"id": ids(), "type": "question", "question": text or "Which fits?", "children": children}


def _then(action: dict, rest: dict, edge: str) -> dict:
    return {**action, "children": [{**rest, "label": label(edge, NEXT)}]}


# ── New flow ───────────────────────────────────────────────────────────────────────────────────────

_CODE = re.compile(
    r"\b(0x[0-9a-f]{6,8}|[A-Z]{2,}\d{2,}|\d{3} \d\.\d\.\d+|KB\d{6,7}|event id \d{3,5}|AADSTS\d+)\b", re.IGNORECASE
)
_PRODUCT = re.compile(r"\b([A-Z][a-zA-Z0-9]+(?:[ -][A-Z][a-zA-Z0-9]+)*)\b")
_STOP = {
    "The",
    "This",
    "That",
    "User",
    "Users",
    "Client",
    "Customer",
    "Checked",
    "Found",
    "After",
    "When",
    "Can",
    "Cannot",
    "It",
    "He",
    "She",
    "They",
    "We",
    "Our",
    "My",
    "On",
    "In",
    "At",
    "Not",
    "No",
    "Yes",
    "Ticket",
    "Please",
    "Hi",
    "Hello",
    "Also",
    "Still",
    "Re",
    "Fixed",
    "Resolved",
}


def keywords_from(*texts: str, limit: int = 12) -> list[str]:
    """Distinctive terms: error codes first, then product and service names (capitalised phrases)."""
    found: list[str] = []
    joined = " \n ".join(t for t in texts if t)
    for match in _CODE.finditer(joined):
        found.append(match.group(1))
    for match in _PRODUCT.finditer(joined):
        phrase = match.group(1)
        if phrase not in _STOP and len(phrase) > 2:
            found.append(phrase)
    unique: dict[str, str] = {}  # casefolded -> first spelling, in order of first appearance
    for term in found:
        unique.setdefault(term.casefold(), term)
        if len(unique) == limit:
            break
    return list(unique.values())


def name_from(session, generaliser: Generaliser | None = None) -> str:
    """The problem's first sentence as a title: generalised, no places or times, within the limit."""
    return title((session.problem_summary or "").strip() or session.intake_text.strip(), generaliser)


def new_flow_envelope(session, steps, generaliser: Generaliser | None = None) -> dict:
    """The new flow a session teaches, with its client specifics as role words (recorded by `generaliser`)."""
    generaliser = generaliser or Generaliser()
    structure = chain(steps, session.resolution_summary, Ids("n"))
    validate_tree(TROUBLESHOOTING, structure)
    intake = session.intake_text.strip()
    description = f"{intake}\n\nResolved: {session.resolution_summary.strip()}"[:5000]
    envelope = {
        "name": name_from(session, generaliser),
        "description": description,
        "tree_type": TROUBLESHOOTING,
        "problem_domain": session.problem_domain,
        "match_keywords": keywords_from(
            generaliser.text(intake, "match_keywords"), generaliser.text(session.resolution_summary, "match_keywords")
        ),
        "tree_structure": structure,
    }
    return generaliser.envelope(envelope)


# ── Enhancement ────────────────────────────────────────────────────────────────────────────────────


def enhancement(flow, session, steps, departure_id: str, generaliser: Generaliser | None = None) -> dict | None:
    """The matched flow with the session's new branch grafted where it left; None if that node is gone.
    The branch and its label are generalised (the flow's own text is the team's already).

    Returns {"envelope", "diff", "description"}.
    """
    generaliser = generaliser or Generaliser()
    target = copy.deepcopy(flow.tree_structure)
    if flow.tree_type != TROUBLESHOOTING:
        return None
    ref = find_node(target, departure_id)
    if ref is None:
        return None
    ids = Ids("b", {r.node["id"] for r in iter_nodes(target)})
    order = next((s.order for s in steps if s.flow_node_id == departure_id and s.flow_id == flow.pk), None)
    if order is None and session.left_flow_node_id == departure_id:
        # The session closed at the open end it reached, before answering its prompt (the engine keeps no
        # unanswered prompt): the departure is the step after the last one.
        order = max((s.order for s in steps), default=0) + 1
    after = [s for s in steps if order is not None and s.order >= order and _off_flow(s)]
    branch = generaliser.tree(chain(after, session.resolution_summary, ids))
    departure_step = next((s for s in steps if s.order == order), None)
    new_label = label(
        generaliser.text((departure_step.free_text_input if departure_step else "") or "Something else", "label")
    )
    node = ref.node
    kind = node.get("type")
    if node.get("open"):  # an open end the session explored: fill it in
        filled = {**branch, "label": node["label"]}
        _replace(target, ref, filled)
    elif kind == "question":
        add_option(node, {**branch, "label": _distinct(node, new_label)}, ids)
    elif kind == "action":
        children = node.get("children", [])
        if departure_step is not None and departure_step.was_free_text:
            old = children[0] if children else open_end(ids, "It worked")
            node["children"] = [
                {
                    "id": ids(),
                    "label": NEXT,
                    "type": "question",
                    "question": "What was the result?",
                    "children": [{**old, "label": "It worked"}, {**branch, "label": new_label}],
                }
            ]
        else:  # the flow ended after this action: what came next is its continuation
            node["children"] = [{**branch, "label": NEXT}]
    elif kind == "solution":
        original = {"id": ids(), "label": "Yes", "type": "solution", "resolution": node["resolution"]}
        replacement = {
            "id": node["id"],
            "type": "action",
            "instructions": f"Try: {node['resolution']}",
            "children": [
                {
                    "id": ids(),
                    "label": NEXT,
                    "type": "question",
                    "question": "Did that fix it?",
                    "children": [original, {**branch, "label": label(f"No: {new_label}")}],
                }
            ],
        }
        if "label" in node:
            replacement["label"] = node["label"]
        _replace(target, ref, replacement)
    validate_tree(TROUBLESHOOTING, target)
    diff = diff_trees(flow.tree_structure, target)
    step_number = order if order is not None else "?"
    what = next((op for op in diff if op["op"] == "add"), None)
    description = (
        f"Added new branch for '{new_label}' at step {step_number}"
        if what
        else f"Changed the flow at step {step_number}"
    )
    envelope = {**flow.envelope(), "tree_structure": target}
    return {
        "envelope": envelope,
        "diff": diff,
        "description": description,
        "lines": [describe(op, flow.tree_structure) for op in diff],
    }


def _off_flow(step) -> bool:
    """Steps recorded off the flow: capture (an open end's included) and LLM steps."""
    return (step.content or {}).get("source") in ("capture", "open_end", "llm")


def _distinct(question: dict, wanted: str) -> str:
    labels = {c.get("label", "").casefold() for c in question.get("children", [])}
    candidate, n = wanted, 2
    while candidate.casefold() in labels:
        candidate = label(f"{wanted} ({n})")
        n += 1
    return candidate


def add_open_ends(structure: dict, node_id: str, options: list[str]) -> dict:
    """A copy of `structure` whose question `node_id` also offers `options`, each an open end; options it
    already has (in any case) are skipped. Anything but a question is returned unchanged."""
    structure = copy.deepcopy(structure)
    ref = find_node(structure, node_id)
    if ref is None or ref.node.get("type") != QUESTION:
        return structure
    taken = {c.get("label", "").casefold() for c in ref.node.get("children", [])}
    ids = Ids("opt", (r.node["id"] for r in iter_nodes(structure)))
    for option in options:
        text = label(option)
        if text.casefold() not in taken:
            add_option(ref.node, open_end(ids, text), ids)
            taken.add(text.casefold())
    return structure


def add_option(question: dict, child: dict, ids: Ids) -> None:
    children = question.setdefault("children", [])
    if len(children) < MAX_OPTIONS:
        children.append(child)
        return
    last = children.pop()
    children.append(
        {"id": ids(), "label": "Other…", "type": "question", "question": "Which of these?", "children": [last, child]}
    )


def _replace(tree: dict, ref, replacement: dict) -> None:
    if ref.parent is None:
        tree.clear()
        tree.update(replacement)
        return
    siblings = ref.parent["children"]
    index = next(i for i, c in enumerate(siblings) if c is ref.node)
    siblings[index] = replacement
