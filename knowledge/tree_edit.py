"""The flow editor's edit operations: each takes a tree structure and returns a new one (never mutating it).

Troubleshooting trees (nested nodes) and procedural flows (``{"steps": [...]}``) as PRODUCT.md's tree format
describes them. An operation keeps ids unique and refuses what the format can never allow (a sixth option,
a child under a solution, removing the root) with `EditRefused`; an unknown id raises `UnknownNode`. Some
edits legitimately leave a tree the validator refuses (a question with one option after a remove, an
emptied text): drafts keep such work, and the editor shows the validator's fault inline.

Operations also work on drafts that are not valid (a proposal's or an import's tree): they walk only what
is shaped like a tree and raise `TreeEditError` for anything else, never another exception.
This module is pure: no ORM, no requests.
"""

import copy
import re
import secrets
from collections.abc import Iterator

from knowledge.errors import EditRefused, TreeEditError, UnknownNode  # noqa: F401 (TreeEditError: what callers catch)
from knowledge.tree_format import (
    ACTION,
    MAX_DEPTH,
    MAX_NODES,
    MAX_OPTIONS,
    MAX_STEPS,
    MIN_OPTIONS,
    OPEN_END_TEXT,
    PROCEDURAL,
    QUESTION,
    SOLUTION,
    TEXT_FIELD,
    TREE_TYPES,
    TROUBLESHOOTING,
)

NODE_TYPES = (QUESTION, ACTION, SOLUTION)
TEXT_FIELDS = ("label", *TEXT_FIELD.values())
STEP_FIELDS = ("title", "instructions")

NEW_OPTION_LABEL = "New option"
NEXT_LABEL = "Done"
NEW_STEP_TITLE = "New step"
NEW_STEP_TEXT = "Describe what to do."


# ── New trees ───────────────────────────────────────────────────────────────────────────────────────


def new_tree(tree_type: str) -> dict:
    """A skeleton to start from: a question with two open-end options, or a procedure with one step."""
    if tree_type == PROCEDURAL:
        return {"steps": [_new_step(set(), title="First step")]}
    if tree_type != TROUBLESHOOTING:
        raise EditRefused(f"The flow type must be one of {', '.join(TREE_TYPES)}.")
    ids: set[str] = set()
    root = {"id": new_id(ids), "type": QUESTION, "question": "What do you check first?", "children": []}
    for label in ("Option 1", "Option 2"):
        root["children"].append(_open_end(ids, label))
    return root


def new_id(taken: set[str], prefix: str = "n") -> str:
    """A short id not in `taken` (which it joins), e.g. ``n-3f9a0c``."""
    while True:
        candidate = f"{prefix}-{secrets.token_hex(3)}"
        if candidate not in taken:
            taken.add(candidate)
            return candidate


def _open_end(ids: set[str], label: str) -> dict:
    return {"id": new_id(ids), "label": label, "type": SOLUTION, "resolution": OPEN_END_TEXT, "open": True}


# ── Reading any tree-shaped value ───────────────────────────────────────────────────────────────────


def walk(structure) -> Iterator[tuple[dict, dict | None, int, int]]:
    """(node, parent, index among the parent's children, depth) for every node-shaped dict, depth first."""
    if not isinstance(structure, dict):
        return
    stack = [(structure, None, 0, 0)]
    while stack:
        node, parent, index, depth = stack.pop()
        yield node, parent, index, depth
        children = _children(node)
        for child_index in range(len(children) - 1, -1, -1):
            if isinstance(children[child_index], dict):
                stack.append((children[child_index], node, child_index, depth + 1))


def node_ids(structure) -> list[str]:
    """Every id in the tree (troubleshooting nodes or procedural steps), in order."""
    if is_procedural(structure):
        return [step.get("id") for step in _steps(structure) if isinstance(step, dict)]
    return [node.get("id") for node, *_ in walk(structure)]


def is_procedural(structure) -> bool:
    return isinstance(structure, dict) and "steps" in structure


def node_at_path(structure, path: str) -> str | None:
    """The id of the node (or step) a validator path such as ``root.children[1].script`` points into."""
    if not isinstance(path, str) or not path.startswith("root"):
        return None
    current = structure
    found = current.get("id") if isinstance(current, dict) and not is_procedural(current) else None
    for key, index in re.findall(r"\.(children|steps)\[(\d+)\]", path[len("root") :]):
        items = current.get(key) if isinstance(current, dict) else None
        if not isinstance(items, list) or int(index) >= len(items) or not isinstance(items[int(index)], dict):
            break
        current = items[int(index)]
        found = current.get("id")
    return found if isinstance(found, str) else None


def dropped_by_type_change(tree, node_id: str, new_type: str) -> int:
    """How many nodes `change_type` would remove: the editor asks before it drops a subtree."""
    node, *_ = _find(tree, node_id)
    children = [child for child in _children(node) if isinstance(child, dict)]
    if new_type == SOLUTION:
        kept = []
    elif new_type == ACTION:
        kept = children[:1]
    else:
        kept = children
    dropped = [child for child in children if not any(child is k for k in kept)]
    return sum(sum(1 for _ in walk(child)) for child in dropped)


# ── Troubleshooting operations ──────────────────────────────────────────────────────────────────────


def set_text(tree, node_id: str, field: str, value: str) -> dict:
    """Set a node's option label or its text (question / instructions / resolution, by its type)."""
    tree = _copy(tree)
    node, parent, _, _ = _find(tree, node_id)
    if field == "label":
        if parent is None:
            raise EditRefused("The first node has no option label: nothing leads to it.")
    elif field not in TEXT_FIELD.values():
        raise EditRefused(f"A node's text is one of {', '.join(TEXT_FIELDS)}.")
    elif field != TEXT_FIELD.get(node.get("type")):
        raise EditRefused(f"A {node.get('type') or 'node'} has no '{field}'.")
    node[field] = _clean_text(value)
    return tree


def add_option(tree, question_id: str) -> dict:
    """Add an open-end option ("New option") to a question."""
    tree = _copy(tree)
    node, _, _, depth = _find(tree, question_id)
    if node.get("type") != QUESTION:
        raise EditRefused("Only a question has options.")
    children = _own_children(node)
    if len(children) >= MAX_OPTIONS:
        raise EditRefused(f"A question has at most {MAX_OPTIONS} options.")
    _ensure_room(tree, depth + 1, 1)
    children.append(_open_end(set(node_ids(tree)), _fresh_label(children, NEW_OPTION_LABEL)))
    return tree


def add_next(tree, action_id: str) -> dict:
    """Give an action what comes next: an open end, which can then become a question or another action."""
    tree = _copy(tree)
    node, _, _, depth = _find(tree, action_id)
    if node.get("type") != ACTION:
        raise EditRefused("Only an action has a next step.")
    children = _own_children(node)
    if children:
        raise EditRefused("An action has one next step; to branch, make that step a question.")
    _ensure_room(tree, depth + 1, 1)
    children.append(_open_end(set(node_ids(tree)), NEXT_LABEL))
    return tree


def remove_node(tree, node_id: str) -> dict:
    """Remove a node and everything under it (not the first node)."""
    tree = _copy(tree)
    _, parent, index, _ = _find(tree, node_id)
    if parent is None:
        raise EditRefused("The first node cannot be removed; change its type instead.")
    del parent["children"][index]
    if not parent["children"] and parent.get("type") != QUESTION:
        del parent["children"]
    return tree


def move_option(tree, node_id: str, direction: int) -> dict:
    """Move a node one place up (-1) or down (+1) among its siblings."""
    if direction not in (-1, 1):
        raise EditRefused("Move up (-1) or down (+1).")
    tree = _copy(tree)
    _, parent, index, _ = _find(tree, node_id)
    if parent is None:
        raise EditRefused("The first node has no siblings to move among.")
    siblings = parent["children"]
    other = index + direction
    if not 0 <= other < len(siblings):
        raise EditRefused("This option is already " + ("first." if direction < 0 else "last."))
    siblings[index], siblings[other] = siblings[other], siblings[index]
    return tree


def change_type(tree, node_id: str, new_type: str) -> dict:
    """Make a node a question, an action or a solution, keeping its text.

    A question keeps its children and gets open-end options up to two; an action keeps at most its first
    child; a solution drops its children (see `dropped_by_type_change`). Scripts stay on actions only and
    open ends on solutions only.
    """
    if new_type not in NODE_TYPES:
        raise EditRefused(f"A node is one of {', '.join(NODE_TYPES)}.")
    tree = _copy(tree)
    node, _, _, depth = _find(tree, node_id)
    old_type = node.get("type")
    if old_type == new_type:
        return tree
    text = node.get(TEXT_FIELD.get(old_type, ""), "")
    for field in TEXT_FIELD.values():
        node.pop(field, None)
    node["type"] = new_type
    node[TEXT_FIELD[new_type]] = text if isinstance(text, str) else ""
    if new_type != ACTION:
        node.pop("script", None)
    if new_type != SOLUTION:
        node.pop("open", None)

    children = [child for child in _children(node) if isinstance(child, dict)]
    if new_type == SOLUTION:
        node.pop("children", None)
    elif new_type == ACTION:
        if children:
            node["children"] = children[:1]
        else:
            node.pop("children", None)
    else:
        missing = max(0, MIN_OPTIONS - len(children))
        _ensure_room(tree, depth + 1, missing)
        ids = set(node_ids(tree))
        for _ in range(missing):
            children.append(_open_end(ids, _fresh_label(children, f"Option {len(children) + 1}")))
        node["children"] = children
    return tree


def set_script(tree, action_id: str, template_slug: str, params: dict) -> dict:
    """Attach a script reference ``{"template": slug, "params": {...}}`` to an action."""
    tree = _copy(tree)
    node, *_ = _find(tree, action_id)
    if node.get("type") != ACTION:
        raise EditRefused("Only an action runs a script.")
    slug = (template_slug or "").strip()
    if not slug:
        raise EditRefused("A script reference needs a template slug.")
    if not isinstance(params, dict):
        raise EditRefused("Script parameters are name = value pairs.")
    node["script"] = {"template": slug, "params": dict(params)}
    return tree


def clear_script(tree, action_id: str) -> dict:
    tree = _copy(tree)
    node, *_ = _find(tree, action_id)
    node.pop("script", None)
    return tree


def set_open(tree, solution_id: str, is_open: bool) -> dict:
    """Mark a solution as an open end (nobody has followed it yet) or as a real solution."""
    tree = _copy(tree)
    node, *_ = _find(tree, solution_id)
    if node.get("type") != SOLUTION:
        raise EditRefused("Only a solution can be an open end.")
    if is_open:
        node["open"] = True
    else:
        node.pop("open", None)
    return tree


# ── Procedural operations ───────────────────────────────────────────────────────────────────────────


def add_step(tree, after_id: str | None = None) -> dict:
    """Add a step after `after_id` (at the end without one)."""
    tree = _copy(tree)
    steps = _own_steps(tree)
    if len(steps) >= MAX_STEPS:
        raise EditRefused(f"A procedure has at most {MAX_STEPS} steps.")
    index = len(steps) if after_id is None else _find_step(tree, after_id) + 1
    steps.insert(index, _new_step(set(node_ids(tree))))
    return tree


def remove_step(tree, step_id: str) -> dict:
    tree = _copy(tree)
    index = _find_step(tree, step_id)
    del tree["steps"][index]
    return tree


def move_step(tree, step_id: str, direction: int) -> dict:
    if direction not in (-1, 1):
        raise EditRefused("Move up (-1) or down (+1).")
    tree = _copy(tree)
    index = _find_step(tree, step_id)
    steps = tree["steps"]
    other = index + direction
    if not 0 <= other < len(steps):
        raise EditRefused("This step is already " + ("first." if direction < 0 else "last."))
    steps[index], steps[other] = steps[other], steps[index]
    return tree


def set_step_text(tree, step_id: str, field: str, value: str) -> dict:
    if field not in STEP_FIELDS:
        raise EditRefused(f"A step's text is its {' or '.join(STEP_FIELDS)}.")
    tree = _copy(tree)
    index = _find_step(tree, step_id)
    tree["steps"][index][field] = _clean_text(value)
    return tree


def _new_step(ids: set[str], title: str = NEW_STEP_TITLE) -> dict:
    return {"id": new_id(ids, "s"), "title": title, "instructions": NEW_STEP_TEXT}


# ── Converting between flow types ───────────────────────────────────────────────────────────────────


def convert_tree(structure, tree_type: str) -> dict:
    """The same content as the other flow type (the editor's "flow type" switch).

    Steps become a chain of actions (each step's title is the option label leading to it); a tree becomes
    its nodes as steps, depth first (title: the label, or the node's type for the first node).
    """
    if tree_type not in TREE_TYPES:
        raise EditRefused(f"The flow type must be one of {', '.join(TREE_TYPES)}.")
    if tree_type == PROCEDURAL:
        if is_procedural(structure):
            return _copy(structure)
        nodes = list(walk(structure))
        if not nodes:
            return new_tree(PROCEDURAL)
        steps = [
            {
                "id": node.get("id") if isinstance(node.get("id"), str) else "",
                "title": (node.get("label") or "")
                if parent is not None
                else str(node.get("type") or "start").capitalize(),
                "instructions": node.get(TEXT_FIELD.get(node.get("type"), ""), ""),
            }
            for node, parent, _, _ in nodes[:MAX_STEPS]
        ]
        return {"steps": steps}
    if not is_procedural(structure):
        return _copy(structure) if isinstance(structure, dict) else new_tree(TROUBLESHOOTING)
    steps = [step for step in _steps(structure) if isinstance(step, dict)][: min(MAX_DEPTH, MAX_NODES)]
    if not steps:
        return new_tree(TROUBLESHOOTING)
    root = None
    for index in range(len(steps) - 1, -1, -1):
        step = steps[index]
        node = {"id": step.get("id"), "type": ACTION, "instructions": step.get("instructions", "")}
        if index == 0:
            title = step.get("title") or ""
            node["instructions"] = f"{title}: {node['instructions']}" if title else node["instructions"]
        else:
            node["label"] = step.get("title", "")
        if root is not None:
            node["children"] = [root]
        root = node
    return root


def _step_title(node: dict, parent: dict | None) -> str:
    if parent is None:
        return str(node.get("type") or "start").capitalize()
    return node.get("label") or ""


# ── Script parameters as "name = value" lines ───────────────────────────────────────────────────────


def parse_params(text: str) -> dict[str, str]:
    """``"user = jsmith\\ndays = 30"`` → ``{"user": "jsmith", "days": "30"}``; blank lines are skipped."""
    params: dict[str, str] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        name = name.strip()
        if not sep or not name:
            raise EditRefused(f"Line {number} of the parameters is not 'name = value'.")
        if name in params:
            raise EditRefused(f"The parameter '{name}' is given twice.")
        params[name] = value.strip()
    return params


def params_text(params) -> str:
    if not isinstance(params, dict):
        return ""
    return "\n".join(f"{name} = {_param_value(value)}" for name, value in params.items())


def _param_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# ── Internals ───────────────────────────────────────────────────────────────────────────────────────


def _copy(tree):
    if not isinstance(tree, dict):
        raise EditRefused("This flow has no tree to edit.")
    return copy.deepcopy(tree)


def _children(node: dict) -> list:
    children = node.get("children")
    return children if isinstance(children, list) else []


def _own_children(node: dict) -> list:
    """The node's children list, created (or replacing a malformed value) so it can be appended to."""
    if not isinstance(node.get("children"), list):
        node["children"] = []
    return node["children"]


def _find(tree, node_id) -> tuple[dict, dict | None, int, int]:
    if is_procedural(tree):
        raise EditRefused("A procedure has steps, not nodes.")
    for node, parent, index, depth in walk(tree):
        if node.get("id") == node_id:
            return node, parent, index, depth
    raise UnknownNode(node_id)


def _steps(structure) -> list:
    steps = structure.get("steps") if isinstance(structure, dict) else None
    return steps if isinstance(steps, list) else []


def _own_steps(tree: dict) -> list:
    if not is_procedural(tree):
        raise EditRefused("Only a procedure has steps.")
    if not isinstance(tree["steps"], list):
        tree["steps"] = []
    return tree["steps"]


def _find_step(tree: dict, step_id) -> int:
    for index, step in enumerate(_own_steps(tree)):
        if isinstance(step, dict) and step.get("id") == step_id:
            return index
    raise UnknownNode(step_id)


def _ensure_room(tree: dict, depth: int, count: int) -> None:
    if count and depth > MAX_DEPTH:
        raise EditRefused(f"A flow is at most {MAX_DEPTH} levels deep.")
    if count and sum(1 for _ in walk(tree)) + count > MAX_NODES:
        raise EditRefused(f"A flow has at most {MAX_NODES} nodes.")


def _fresh_label(siblings: list, base: str) -> str:
    taken = {str(child.get("label", "")).strip().casefold() for child in siblings if isinstance(child, dict)}
    label, number = base, 2
    while label.casefold() in taken:
        label = f"{base} {number}"
        number += 1
    return label


def _clean_text(value) -> str:
    """Browsers send CRLF line breaks; the tree keeps plain newlines and no surrounding blanks."""
    if not isinstance(value, str):
        raise EditRefused("Text must be text.")
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()
