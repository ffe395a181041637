"""The tree format: one validator for every writer (editor, proposals, imports, API).

Troubleshooting trees are nested nodes::

    {"id", "type": "question" | "action" | "solution",
     "label": option text that leads here (not on the root),
     "question" | "instructions" | "resolution": the node's text, by type,
     "children": [...],
     "script": {"template": "<slug>", "params": {...}}   (action nodes only, optional)
     "open": true                                       (solution nodes only: an open end)}

A question has 2-5 children (its options), an action at most one (what comes next), a solution none;
ids are unique in the tree. Procedural flows are ``{"steps": [{"id", "title", "instructions"}, ...]}``.

`validate_tree` raises `InvalidTree(path, message)` naming the first fault, e.g.
``root.children[2]: question needs 2-5 children``. It never raises anything else, whatever it is given.
This module is pure: no ORM, no requests.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass

from knowledge.errors import InvalidTree

TROUBLESHOOTING = "troubleshooting"
PROCEDURAL = "procedural"
TREE_TYPES = (TROUBLESHOOTING, PROCEDURAL)

QUESTION, ACTION, SOLUTION = "question", "action", "solution"
TEXT_FIELD = {QUESTION: "question", ACTION: "instructions", SOLUTION: "resolution"}
MIN_OPTIONS, MAX_OPTIONS = 2, 5
MAX_NODES = 500
MAX_DEPTH = 60
MAX_ID_LENGTH = 100
MAX_LABEL_LENGTH = 300
MAX_TEXT_LENGTH = 10_000
MAX_STEPS = 200
# What an open end says until someone explores it (the editor's new options, the flywheel's untaken ones).
OPEN_END_TEXT = "Not explored yet: record what you check and find."

_NODE_FIELDS = {"id", "type", "label", "question", "instructions", "resolution", "children", "script", "open"}
_STEP_FIELDS = {"id", "title", "instructions"}


def validate_tree(tree_type, structure) -> None:
    """Raise `InvalidTree` if `structure` is not a valid tree of `tree_type`."""
    if tree_type == TROUBLESHOOTING:
        validate_troubleshooting(structure)
    elif tree_type == PROCEDURAL:
        validate_procedural(structure)
    else:
        raise InvalidTree("tree_type", f"must be one of {', '.join(TREE_TYPES)}")


def validate_troubleshooting(structure) -> None:
    if not isinstance(structure, dict):
        raise InvalidTree("root", "a troubleshooting tree is an object (the root node)")
    seen_ids: set[str] = set()
    count = 0
    # Iterative depth-first walk: deeply nested input must not exhaust the Python stack.
    stack = [(structure, "root", 0)]
    while stack:
        node, path, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise InvalidTree(path, f"the tree has more than {MAX_NODES} nodes")
        if depth > MAX_DEPTH:
            raise InvalidTree(path, f"the tree is deeper than {MAX_DEPTH} levels")
        children = _validate_node(node, path, is_root=depth == 0, seen_ids=seen_ids)
        for index in range(len(children) - 1, -1, -1):
            stack.append((children[index], f"{path}.children[{index}]", depth + 1))


def _validate_node(node, path: str, *, is_root: bool, seen_ids: set[str]) -> list:
    if not isinstance(node, dict):
        raise InvalidTree(path, "a node must be an object")
    unknown = sorted(str(k) for k in node if k not in _NODE_FIELDS)
    if unknown:
        raise InvalidTree(path, f"unknown field '{unknown[0]}'")

    node_id = node.get("id")
    if not isinstance(node_id, str) or not node_id.strip():
        raise InvalidTree(path, "needs an id (a non-empty string)")
    if len(node_id) > MAX_ID_LENGTH:
        raise InvalidTree(path, f"id is longer than {MAX_ID_LENGTH} characters")
    _refuse_nul(node_id, path, "'id'")
    if node_id in seen_ids:
        raise InvalidTree(path, f"duplicate id '{node_id}'")
    seen_ids.add(node_id)

    node_type = node.get("type")
    if not isinstance(node_type, str) or node_type not in TEXT_FIELD:
        raise InvalidTree(path, "type must be question, action or solution")

    if is_root:
        if "label" in node:
            raise InvalidTree(path, "the root has no label (labels are the options that lead to a node)")
    else:
        _require_text(node, "label", path, MAX_LABEL_LENGTH)

    _require_text(node, TEXT_FIELD[node_type], path, MAX_TEXT_LENGTH)
    for other_type, field in TEXT_FIELD.items():
        if other_type != node_type and field in node:
            raise InvalidTree(path, f"a {node_type} has no '{field}' (that is a {other_type}'s text)")

    children = node.get("children", [])
    if not isinstance(children, list):
        raise InvalidTree(path, "children must be a list")
    if node_type == QUESTION:
        if not MIN_OPTIONS <= len(children) <= MAX_OPTIONS:
            raise InvalidTree(path, f"question needs {MIN_OPTIONS}-{MAX_OPTIONS} children")
        _require_distinct_labels(children, path)
    elif node_type == ACTION and len(children) > 1:
        raise InvalidTree(path, "an action has at most one child (branch with a question after it)")
    elif node_type == SOLUTION and children:
        raise InvalidTree(path, "a solution has no children")

    if "script" in node:
        if node_type != ACTION:
            raise InvalidTree(path, "only action nodes carry a script")
        _validate_script(node["script"], f"{path}.script")
    if "open" in node:
        if node_type != SOLUTION:
            raise InvalidTree(path, "only solution nodes can be open ends")
        if not isinstance(node["open"], bool):
            raise InvalidTree(path, "open must be true or false")
    return children


def _require_text(node: dict, field: str, path: str, max_length: int) -> None:
    value = node.get(field)
    if not isinstance(value, str) or not value.strip():
        raise InvalidTree(path, f"needs '{field}' (non-empty text)")
    if len(value) > max_length:
        raise InvalidTree(path, f"'{field}' is longer than {max_length} characters")
    _refuse_nul(value, path, f"'{field}'")


_SURROGATE = re.compile("[\ud800-\udfff]")


def _refuse_nul(value: str, path: str, what: str) -> None:
    """No text of a tree holds NUL (U+0000) or a lone surrogate (U+D800-U+DFFF): PostgreSQL cannot store
    either, whoever wrote the tree."""
    if "\x00" in value:
        raise InvalidTree(path, f"{what} contains a NUL character (U+0000)")
    if _SURROGATE.search(value):
        raise InvalidTree(path, f"{what} contains a lone surrogate (U+D800-U+DFFF), which is not text")


def _require_distinct_labels(children: list, path: str) -> None:
    labels = set()
    for index, child in enumerate(children):
        if isinstance(child, dict) and isinstance(child.get("label"), str):
            label = child["label"].strip().casefold()
            if label in labels:
                raise InvalidTree(f"{path}.children[{index}]", f"duplicate option '{child['label'].strip()}'")
            labels.add(label)


def _validate_script(script, path: str) -> None:
    if not isinstance(script, dict):
        raise InvalidTree(path, "a script reference is an object {template, params}")
    unknown = sorted(str(k) for k in script if k not in ("template", "params"))
    if unknown:
        raise InvalidTree(path, f"unknown field '{unknown[0]}'")
    template = script.get("template")
    if not isinstance(template, str) or not template.strip() or len(template) > 100:
        raise InvalidTree(path, "template must be a template slug")
    _refuse_nul(template, path, "'template'")
    params = script.get("params", {})
    if not isinstance(params, dict):
        raise InvalidTree(path, "params must be an object")
    for key, value in params.items():
        _refuse_nul(str(key), f"{path}.params", "a parameter name")
        if not isinstance(value, str | int | float | bool) or isinstance(value, float) and value != value:
            raise InvalidTree(f"{path}.params.{key}", "a parameter value is text, a number or true/false")
        if isinstance(value, str):
            _refuse_nul(value, f"{path}.params.{key}", "the value")


def validate_procedural(structure) -> None:
    if not isinstance(structure, dict):
        raise InvalidTree("root", 'a procedural flow is an object {"steps": [...]}')
    unknown = sorted(str(k) for k in structure if k != "steps")
    if unknown:
        raise InvalidTree("root", f"unknown field '{unknown[0]}'")
    steps = structure.get("steps")
    if not isinstance(steps, list) or not steps:
        raise InvalidTree("root.steps", "needs at least one step")
    if len(steps) > MAX_STEPS:
        raise InvalidTree("root.steps", f"has more than {MAX_STEPS} steps")
    seen_ids = set()
    for index, step in enumerate(steps):
        path = f"root.steps[{index}]"
        if not isinstance(step, dict):
            raise InvalidTree(path, "a step must be an object")
        unknown = sorted(str(k) for k in step if k not in _STEP_FIELDS)
        if unknown:
            raise InvalidTree(path, f"unknown field '{unknown[0]}'")
        step_id = step.get("id")
        if not isinstance(step_id, str) or not step_id.strip() or len(step_id) > MAX_ID_LENGTH:
            raise InvalidTree(path, "needs an id (a non-empty string)")
        _refuse_nul(step_id, path, "'id'")
        if step_id in seen_ids:
            raise InvalidTree(path, f"duplicate id '{step_id}'")
        seen_ids.add(step_id)
        _require_text(step, "title", path, MAX_LABEL_LENGTH)
        _require_text(step, "instructions", path, MAX_TEXT_LENGTH)


# ── Reading valid trees ─────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class NodeRef:
    node: dict
    path: str
    depth: int
    parent: dict | None


def iter_nodes(structure: dict) -> Iterator[NodeRef]:
    """Every node of a valid troubleshooting tree, depth first, in option order."""
    stack = [NodeRef(structure, "root", 0, None)]
    while stack:
        ref = stack.pop()
        yield ref
        children = ref.node.get("children", [])
        for index in range(len(children) - 1, -1, -1):
            stack.append(NodeRef(children[index], f"{ref.path}.children[{index}]", ref.depth + 1, ref.node))


def find_node(structure: dict, node_id: str) -> NodeRef | None:
    return next((ref for ref in iter_nodes(structure) if ref.node.get("id") == node_id), None)


def node_text(node: dict) -> str:
    return node.get(TEXT_FIELD.get(str(node.get("type")), ""), "")


def is_open_end(node: dict) -> bool:
    return node.get("type") == SOLUTION and node.get("open") is True


def has_open_ends(structure: dict) -> bool:
    return any(is_open_end(ref.node) for ref in iter_nodes(structure))


def solution_ids(structure: dict, *, include_open_ends: bool = False) -> set[str]:
    return {
        ref.node["id"]
        for ref in iter_nodes(structure)
        if ref.node.get("type") == SOLUTION and (include_open_ends or not is_open_end(ref.node))
    }
