"""Trees and differences shaped for templates (the tree drawing component, history, the review queue)."""

from knowledge.tree_diff import describe, diff_trees
from knowledge.tree_format import TEXT_FIELD, is_open_end

ENVELOPE_LABELS = {
    "name": "Name",
    "description": "Description",
    "problem_domain": "Domain",
    "match_keywords": "Keywords",
    "tree_type": "Type",
}


def tree_outline(structure: dict, statuses: dict | None = None) -> dict:
    """`{"kind": "steps", "steps": [...]}` or `{"kind": "tree", "root": node}` with nested display nodes.

    A display node: id, type, label, text, is_open, script, children, and `status` (added / changed /
    None) when `statuses` (node id → status) is given.
    """
    statuses = statuses or {}
    if isinstance(structure, dict) and "steps" in structure:
        steps = [
            {**step, "number": i + 1, "status": statuses.get(step.get("id"))}
            for i, step in enumerate(structure.get("steps", []))
        ]
        return {"kind": "steps", "steps": steps}
    return {"kind": "tree", "root": _display_node(structure, statuses)}


def _display_node(node: dict, statuses: dict) -> dict:
    # Recursion depth is bounded by the validator's MAX_DEPTH.
    return {
        "id": node.get("id"),
        "type": node.get("type"),
        "label": node.get("label"),
        "text": node.get(TEXT_FIELD.get(str(node.get("type")), ""), ""),
        "is_open": is_open_end(node),
        "script": node.get("script"),
        "status": statuses.get(node.get("id")),
        "children": [_display_node(child, statuses) for child in node.get("children", [])],
    }


def structure_changes(old_structure: dict, new_structure: dict) -> dict:
    """The new tree annotated with what changed, and readable lines for every operation."""
    ops = diff_trees(old_structure, new_structure)
    statuses = {}
    removed = []
    for op in ops:
        if op["op"] == "add":
            for node_id in _ids(op["node"]):
                statuses[node_id] = "added"
        elif op["op"] in ("change", "move"):
            statuses.setdefault(op["node_id"], "changed")
        elif op["op"] == "replace":
            statuses = {node_id: "added" for node_id in _ids(op["node"])}
        elif op["op"] == "remove":
            removed.append({"id": op["node_id"], "path": op["path"], "description": describe(op, old_structure)})
    return {
        "outline": tree_outline(new_structure, statuses),
        "removed": removed,
        "lines": [describe(op, old_structure) for op in ops],
        "ops": ops,
    }


def version_changes(old, new) -> dict:
    """What changed between two TreeVersions (or two envelopes with `envelope()`)."""
    old_env, new_env = old.envelope(), new.envelope()
    fields = [
        {"label": label, "old": old_env.get(key), "new": new_env.get(key)}
        for key, label in ENVELOPE_LABELS.items()
        if old_env.get(key) != new_env.get(key)
    ]
    return {"old": old, "new": new, "fields": fields, **structure_changes(old.tree_structure, new.tree_structure)}


def _ids(node: dict) -> list:
    found, stack = [], [node]
    while stack:
        current = stack.pop()
        found.append(current.get("id"))
        stack.extend(current.get("children", []))
    return found
