"""Differences between two versions of a tree, as operations that can be shown and applied.

`diff_trees(old, new)` returns operations that `apply_diff(old, ops)` turns into exactly `new`:

- `{"op": "add", "node_id", "parent_id", "index", "path", "node"}` — a new node (with its new subtree)
  inserted as the parent's `index`-th child;
- `{"op": "change", "node_id", "path", "fields": {"label": [old, new], ...}}` — a node's own fields;
- `{"op": "remove", "node_id", "path"}` — a node and its subtree (path in the old tree);
- `{"op": "move", "node_id", "parent_id", "index", "path"}` — a kept node placed under `parent_id` at
  `index` (a reorder, or a regrouping under another question);
- `{"op": "replace", "node_id", "path": "root", "node"}` — only when the root itself was replaced.

Nodes are identified by id; paths name the node where it stands (`root.children[1]`) for people.
Procedural flows diff their steps the same way with `parent_id` null. Pure: no ORM.
"""

import copy

from knowledge.tree_format import TEXT_FIELD

OWN_FIELDS = ("type", "label", "question", "instructions", "resolution", "script", "open")
STEP_FIELDS = ("title", "instructions")


def diff_trees(old: dict, new: dict) -> list[dict]:
    if "steps" in old or "steps" in new:
        return _diff_steps(old.get("steps", []), new.get("steps", []))
    if old.get("id") != new.get("id"):
        return [{"op": "replace", "node_id": new.get("id"), "path": "root", "node": copy.deepcopy(new)}]
    old_index, new_index = _index(old), _index(new)
    ops = []
    for node_id, info in old_index.items():
        if node_id not in new_index and (info["parent"] is None or info["parent"] in new_index):
            ops.append({"op": "remove", "node_id": node_id, "path": info["path"]})
    for node_id, info in new_index.items():
        if node_id in old_index:
            changed = _changed_fields(old_index[node_id]["node"], info["node"], OWN_FIELDS)
            if changed:
                ops.append({"op": "change", "node_id": node_id, "path": info["path"], "fields": changed})
    # Replay the placement exactly as apply_diff will, so its inserts land where `new` has them.
    simulated = {pid: [c for c in info["children"] if c in new_index] for pid, info in old_index.items()}
    parent_of = {cid: pid for pid, children in simulated.items() for cid in children}
    covered = set()  # nodes inside a wholly new subtree, added in one operation with it
    for parent_id, info in new_index.items():  # breadth-first order of the new tree
        if parent_id in covered:
            continue
        current = simulated.setdefault(parent_id, [])
        for index, child_id in enumerate(info["children"]):
            if child_id not in old_index:
                full = new_index[child_id]["node_full"]
                subtree = _subtree_ids(full)
                if subtree.isdisjoint(old_index):
                    node = copy.deepcopy(full)
                    covered |= subtree
                else:  # it regroups kept nodes: add it bare, its children follow as adds and moves
                    node = copy.deepcopy(new_index[child_id]["node"])
                ops.append(
                    {
                        "op": "add",
                        "node_id": child_id,
                        "parent_id": parent_id,
                        "index": index,
                        "path": new_index[child_id]["path"],
                        "node": node,
                    }
                )
                current.insert(index, child_id)
            elif index >= len(current) or current[index] != child_id:
                previous = parent_of.get(child_id)
                if previous is not None and child_id in simulated.get(previous, []):
                    simulated[previous].remove(child_id)
                current.insert(index, child_id)
                parent_of[child_id] = parent_id
                ops.append(
                    {
                        "op": "move",
                        "node_id": child_id,
                        "parent_id": parent_id,
                        "index": index,
                        "path": new_index[child_id]["path"],
                    }
                )
    return ops


def apply_diff(tree: dict, ops: list[dict]) -> dict:
    """Apply `ops` (from `diff_trees`, or a proposal's `proposed_diff`) to a copy of `tree`."""
    if "steps" in tree:
        return _apply_steps(tree, ops)
    if ops and ops[0]["op"] == "replace":
        return apply_diff(ops[0]["node"], ops[1:])
    nodes, children, parents = _flatten(copy.deepcopy(tree))
    root_id = tree["id"]
    # A removed node's descendants that a later op moves elsewhere are kept (a question dropped, its
    # options regrouped under another one).
    moved = {op["node_id"] for op in ops if op["op"] == "move"}
    for op in ops:
        kind = op["op"]
        if kind == "remove":
            _detach(op["node_id"], children, parents)
            for node_id in _descendants(op["node_id"], children, keep=moved):
                nodes.pop(node_id, None)
        elif kind == "change":
            node = nodes[op["node_id"]]
            for field, (_, value) in op["fields"].items():
                if value is None:
                    node.pop(field, None)
                else:
                    node[field] = copy.deepcopy(value)
        elif kind == "add":
            sub_nodes, sub_children, sub_parents = _flatten(copy.deepcopy(op["node"]))
            nodes.update(sub_nodes)
            children.update(sub_children)
            parents.update(sub_parents)
            children.setdefault(op["parent_id"], []).insert(op["index"], op["node_id"])
            parents[op["node_id"]] = op["parent_id"]
        elif kind == "move":
            _detach(op["node_id"], children, parents)
            children.setdefault(op["parent_id"], []).insert(op["index"], op["node_id"])
            parents[op["node_id"]] = op["parent_id"]
        else:
            raise ValueError(f"unknown operation {kind!r}")
    return _assemble(root_id, nodes, children)


def describe(op: dict, old: dict | None = None) -> str:
    """One readable line for an operation, e.g. "Added option 'Error 0x80070005' under 'Is it locked?'"."""
    kind = op["op"]
    if kind == "replace":
        return "Replaced the whole flow"
    if kind == "add":
        node = op["node"]
        what = node.get("label") or node.get("title") or _text(node)
        parent = _lookup(old, op.get("parent_id"))
        where = f" under '{_short(_text(parent))}'" if parent else ""
        return f"Added {'step' if 'title' in node else 'branch'} '{_short(what)}'{where}"
    if kind == "remove":
        node = _lookup(old, op["node_id"])
        return (
            f"Removed '{_short(node.get('label') or node.get('title') or _text(node))}'" if node else "Removed a node"
        )
    if kind == "change":
        names = ", ".join(op["fields"])
        node = _lookup(old, op["node_id"]) or {}
        return f"Changed {names} of '{_short(node.get('label') or node.get('title') or _text(node) or op['node_id'])}'"
    node = _lookup(old, op["node_id"]) or {}
    what = _short(node.get("label") or node.get("title") or _text(node) or op["node_id"])
    return f"Moved '{what}' to position {op['index'] + 1}"


# ── internals ──────────────────────────────────────────────────────────────────────────────────────


def _index(tree: dict) -> dict:
    """id → {node (own fields), node_full, children ids, parent id, path}, in breadth-first order."""
    index = {}
    queue = [(tree, None, "root")]
    while queue:
        node, parent, path = queue.pop(0)
        kids = node.get("children", [])
        index[node["id"]] = {
            "node": {k: v for k, v in node.items() if k != "children"},
            "node_full": node,
            "children": [c["id"] for c in kids],
            "parent": parent,
            "path": path,
        }
        queue.extend((child, node["id"], f"{path}.children[{i}]") for i, child in enumerate(kids))
    return index


def _subtree_ids(node: dict) -> set:
    found, stack = set(), [node]
    while stack:
        current = stack.pop()
        found.add(current["id"])
        stack.extend(current.get("children", []))
    return found


def _changed_fields(old: dict, new: dict, fields) -> dict:
    return {f: [old.get(f), new.get(f)] for f in fields if old.get(f) != new.get(f)}


def _flatten(tree: dict):
    nodes, children, parents = {}, {}, {}
    stack = [(tree, None)]
    while stack:
        node, parent = stack.pop()
        kids = node.pop("children", [])
        nodes[node["id"]] = node
        children[node["id"]] = [k["id"] for k in kids]
        parents[node["id"]] = parent
        stack.extend((k, node["id"]) for k in kids)
    return nodes, children, parents


def _detach(node_id, children, parents) -> None:
    parent = parents.get(node_id)
    if parent is not None and node_id in children.get(parent, []):
        children[parent].remove(node_id)


def _descendants(node_id, children, keep=frozenset()) -> list:
    found, stack = [], [node_id]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(child for child in children.get(current, []) if child not in keep)
    return found


def _assemble(root_id, nodes, children) -> dict:
    def build(node_id):
        node = dict(nodes[node_id])
        kids = children.get(node_id, [])
        if kids or "children" in node or node.get("type") == "question":
            node["children"] = [build(k) for k in kids]
        return node

    return _normalise_children(build(root_id))


def _normalise_children(tree: dict) -> dict:
    """Leaves carry no `children` key, inner nodes do: the form every writer stores."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if node.get("children"):
            stack.extend(node["children"])
        else:
            node.pop("children", None)
    return tree


def _diff_steps(old_steps: list, new_steps: list) -> list[dict]:
    old_by_id = {s["id"]: (i, s) for i, s in enumerate(old_steps)}
    new_ids = {s["id"] for s in new_steps}
    ops = [
        {"op": "remove", "node_id": sid, "path": f"root.steps[{i}]"}
        for sid, (i, _) in old_by_id.items()
        if sid not in new_ids
    ]
    current = [s["id"] for s in old_steps if s["id"] in new_ids]
    for index, step in enumerate(new_steps):
        path = f"root.steps[{index}]"
        if step["id"] not in old_by_id:
            ops.append(
                {
                    "op": "add",
                    "node_id": step["id"],
                    "parent_id": None,
                    "index": index,
                    "path": path,
                    "node": copy.deepcopy(step),
                }
            )
            current.insert(index, step["id"])
            continue
        changed = _changed_fields(old_by_id[step["id"]][1], step, STEP_FIELDS)
        if changed:
            ops.append({"op": "change", "node_id": step["id"], "path": path, "fields": changed})
        if current[index] != step["id"]:
            current.remove(step["id"])
            current.insert(index, step["id"])
            ops.append({"op": "move", "node_id": step["id"], "parent_id": None, "index": index, "path": path})
    return ops


def _apply_steps(tree: dict, ops: list[dict]) -> dict:
    steps = copy.deepcopy(tree["steps"])
    for op in ops:
        position = next((i for i, s in enumerate(steps) if s["id"] == op["node_id"]), None)
        if op["op"] == "remove" and position is not None:
            steps.pop(position)
        elif op["op"] == "change" and position is not None:
            for field, (_, value) in op["fields"].items():
                steps[position][field] = value
        elif op["op"] == "add":
            steps.insert(op["index"], copy.deepcopy(op["node"]))
        elif op["op"] == "move" and position is not None:
            steps.insert(op["index"], steps.pop(position))
    return {"steps": steps}


def _lookup(tree: dict | None, node_id):
    if tree is None or node_id is None:
        return None
    if "steps" in tree:
        return next((s for s in tree["steps"] if s["id"] == node_id), None)
    stack = [tree]
    while stack:
        node = stack.pop()
        if node.get("id") == node_id:
            return node
        stack.extend(node.get("children", []))
    return None


def _text(node: dict | None) -> str:
    if not node:
        return ""
    return node.get(TEXT_FIELD.get(node.get("type"), ""), "") or node.get("title", "")


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
