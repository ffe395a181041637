"""What the flow editor draws: the draft as rows of nodes or steps, the validator's first fault located in
them, where the focus goes after an operation, and both versions when a publish finds a newer one.

The views (knowledge.editor.views) pass these dicts to knowledge/flow_editor.html; nothing here writes.
"""

import hashlib
import re

from django.conf import settings
from django.urls import reverse

from knowledge import services, tree_edit, tree_format
from knowledge.editor.forms import FIELD_LABELS
from knowledge.errors import InvalidEnvelope, InvalidTree, StaleTarget
from knowledge.models import DraftSource, TreeType
from knowledge.presentation import ENVELOPE_LABELS, structure_changes
from knowledge.tree_format import ACTION, PROCEDURAL, QUESTION, SOLUTION, TEXT_FIELD, TROUBLESHOOTING

TYPE_LABELS = {QUESTION: "Question", ACTION: "Action", SOLUTION: "Solution"}
TYPE_TONES = {QUESTION: "info", ACTION: "accent", SOLUTION: "success"}
TEXT_LABELS = {"question": "Question", "instructions": "Instructions", "resolution": "Resolution"}
SOURCE_LABELS = {
    DraftSource.MANUAL: "Started by hand",
    DraftSource.PROPOSAL: "From a flow proposal",
    DraftSource.GAP: "From a knowledge gap",
    DraftSource.IMPORT: "Imported from JSON",
}
STALE_LINES_SHOWN = 20


def envelope_of(draft) -> dict:
    return dict(draft.envelope) if isinstance(draft.envelope, dict) else {}


def editor_context(draft, *, saved: bool = False, focus: str = "") -> dict:
    envelope = envelope_of(draft)
    structure = envelope.get("tree_structure")
    problem = _problem(envelope, structure)
    error_node = problem.get("node_id") if problem else None
    keywords = envelope.get("match_keywords")
    context = {
        "page": "editor",
        "draft": draft,
        "envelope": envelope,
        "keywords_text": ", ".join(str(k) for k in keywords) if isinstance(keywords, list) else "",
        "tree_type": envelope.get("tree_type")
        or (PROCEDURAL if tree_edit.is_procedural(structure) else TROUBLESHOOTING),
        "tree_types": TreeType.choices,
        "domains": settings.PROBLEM_DOMAINS,
        "source": _source(draft),
        "problem": problem,
        "saved": saved,
        "focus": focus,
        "publish_note": "",
        "procedural": tree_edit.is_procedural(structure),
        "op_url": reverse("knowledge:draft-op", args=[draft.pk]),
        "meta_url": reverse("knowledge:draft-meta", args=[draft.pk]),
        "publish_url": reverse("knowledge:draft-publish", args=[draft.pk]),
        "export_url": reverse("knowledge:draft-export", args=[draft.pk]),
    }
    if tree_edit.is_procedural(structure):
        context["steps"] = _step_rows(structure, error_node)
    elif isinstance(structure, dict):
        context["rows"] = _node_rows(structure, error_node)
    else:
        context["unreadable"] = True
    return context


def _source(draft) -> dict:
    return {"kind": draft.source_kind, "label": SOURCE_LABELS.get(draft.source_kind, draft.get_source_kind_display())}


def _problem(envelope: dict, structure) -> dict | None:
    """The validator's first fault, located: a tree path and its node, or an envelope field."""
    try:
        services.clean(envelope)
    except InvalidEnvelope as exc:
        cause = exc.__cause__
        if isinstance(cause, InvalidTree):
            node_id = tree_edit.node_at_path(structure, cause.path)
            return {
                "field": exc.field,
                "path": cause.path,
                "message": cause.message,
                "node_id": node_id,
                "dom_id": dom_id(node_id) if node_id else "",
            }
        return {"field": exc.field, "field_label": FIELD_LABELS.get(exc.field, exc.field), "message": exc.message}
    return None


def dom_id(node_id) -> str:
    """An HTML id for a node id: stable across redraws (htmx puts focus back by id)."""
    text = str(node_id)
    if re.fullmatch(r"[A-Za-z0-9_-]{1,64}", text):
        return f"node-{text}"
    return "node-x" + hashlib.sha1(text.encode()).hexdigest()[:12]


def _node_rows(structure: dict, error_node: str | None) -> list[dict]:
    """The tree as a flat list of rows, `{"kind": "close"}` closing a node's children: nested lists in a loop.

    A loop, not a recursive include, keeps deep trees off the Python stack.
    """
    rows: list[dict] = []
    close = object()
    stack: list = [(structure, None, 0)]
    while stack:
        item = stack.pop()
        if item is close:
            rows.append({"kind": "close"})
            continue
        node, parent, index = item
        raw = node.get("children") if isinstance(node.get("children"), list) else []
        children = [(child_index, child) for child_index, child in enumerate(raw) if isinstance(child, dict)]
        rows.append(_node_row(node, parent, index, [child for _, child in children], error_node))
        if children:
            stack.append(close)
            stack.extend((child, node, child_index) for child_index, child in reversed(children))
    return rows


def _node_row(node: dict, parent: dict | None, index: int, children: list, error_node) -> dict:
    node_type = node.get("type")
    text_field = TEXT_FIELD.get(node_type)
    siblings = parent.get("children", []) if parent is not None else []
    script = node.get("script") if isinstance(node.get("script"), dict) else None
    sizes = [sum(1 for _ in tree_edit.walk(child)) for child in children]
    return {
        "kind": "node",
        "id": node.get("id"),
        "dom_id": dom_id(node.get("id")),
        "type": node_type if node_type in TYPE_LABELS else "",
        "type_label": TYPE_LABELS.get(node_type, "No type"),
        "type_tone": TYPE_TONES.get(node_type, "neutral"),
        "label": node.get("label", "") if isinstance(node.get("label", ""), str) else "",
        "text_field": text_field,
        "text_label": TEXT_LABELS.get(text_field, ""),
        "text": node.get(text_field, "") if text_field and isinstance(node.get(text_field, ""), str) else "",
        "is_root": parent is None,
        "parent_type": parent.get("type") if parent is not None else None,
        "number": index + 1,
        "can_move_up": parent is not None and index > 0,
        "can_move_down": parent is not None and index < len(siblings) - 1,
        "has_children": bool(children),
        "can_add_option": node_type == QUESTION and len(children) < tree_format.MAX_OPTIONS,
        "max_options": tree_format.MAX_OPTIONS,
        "can_add_next": node_type == ACTION and not children,
        "is_open": node_type == SOLUTION and node.get("open") is True,
        "script_template": str(script.get("template", "")) if script else "",
        "script_params": tree_edit.params_text(script.get("params")) if script else "",
        "type_choices": [
            {"value": t, "label": TYPE_LABELS[t], "drops": _dropped(t, sizes)} for t in (QUESTION, ACTION, SOLUTION)
        ],
        "is_invalid": error_node is not None and node.get("id") == error_node,
        "subtree_size": 1 + sum(sizes),
    }


def _dropped(new_type: str, child_sizes: list[int]) -> int:
    if new_type == SOLUTION:
        return sum(child_sizes)
    if new_type == ACTION:
        return sum(child_sizes[1:])
    return 0


def _step_rows(structure: dict, error_node) -> list[dict]:
    steps = (
        [step for step in structure.get("steps", []) if isinstance(step, dict)]
        if isinstance(structure.get("steps"), list)
        else []
    )
    return [
        {
            "id": step.get("id"),
            "dom_id": dom_id(step.get("id")),
            "number": index + 1,
            "title": step.get("title", "") if isinstance(step.get("title", ""), str) else "",
            "instructions": step.get("instructions", "") if isinstance(step.get("instructions", ""), str) else "",
            "can_move_up": index > 0,
            "can_move_down": index < len(steps) - 1,
            "is_invalid": error_node is not None and step.get("id") == error_node,
        }
        for index, step in enumerate(steps)
    ]


def focus_after(op: str, before, after, node_id: str) -> str:
    """The element to focus once the tree is redrawn: a new node's first field, or the removed node's parent."""
    existing = set(tree_edit.node_ids(before))
    added = [i for i in tree_edit.node_ids(after) if i not in existing]
    if added:
        return dom_id(added[0])
    if op in ("remove", "remove_step"):
        for node, parent, _, _ in tree_edit.walk(before):
            if node.get("id") == node_id and parent is not None:
                return dom_id(parent.get("id"))
        return "flow-tree"
    return ""


def stale_comparison(draft, exc: StaleTarget) -> dict:
    """Both versions: the one this draft started from, the current one, and what publishing anyway changes."""
    flow = draft.target_flow
    current = flow.versions.select_related("author").filter(version=exc.actual).first()
    envelope = envelope_of(draft)
    lines = []
    if current is not None:
        lines = [
            f"{label}: “{_shown(current.envelope().get(key))}” → “{_shown(envelope.get(key))}”"
            for key, label in ENVELOPE_LABELS.items()
            if current.envelope().get(key) != envelope.get(key)
        ]
        if isinstance(envelope.get("tree_structure"), dict):
            lines += structure_changes(current.tree_structure, envelope["tree_structure"])["lines"]
    return {
        "flow": flow,
        "base": flow.versions.filter(version=exc.expected).first(),
        "base_version": exc.expected,
        "current": current,
        "current_version": exc.actual,
        "lines": lines[:STALE_LINES_SHOWN],
        "more": max(0, len(lines) - STALE_LINES_SHOWN),
    }


def _shown(value) -> str:
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value or "—")
    return text if len(text) <= 80 else text[:79] + "…"
