import copy
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge import tree_edit
from knowledge.errors import EditRefused, InvalidTree, TreeEditError, UnknownNode
from knowledge.tests.factories import LockoutTreeFactory
from knowledge.tree_format import validate_tree


def lockout_tree():
    return LockoutTreeFactory(script={"template": "ad-unlock-user", "params": {"user": "jsmith"}})


def steps():
    return {
        "steps": [
            {"id": "s1", "title": "Back up", "instructions": "Run the backup job."},
            {"id": "s2", "title": "Patch", "instructions": "Install the update."},
        ]
    }


def fault(tree, tree_type="troubleshooting"):
    with pytest.raises(InvalidTree) as raised:
        validate_tree(tree_type, tree)
    return str(raised.value)


# ── New trees ───────────────────────────────────────────────────────────────────────────────────────


def test_a_new_troubleshooting_tree_is_a_valid_question_with_two_open_ends():
    tree = tree_edit.new_tree("troubleshooting")

    validate_tree("troubleshooting", tree)
    assert tree["type"] == "question"
    assert [child["open"] for child in tree["children"]] == [True, True]


def test_a_new_procedure_is_valid_with_one_step():
    tree = tree_edit.new_tree("procedural")

    validate_tree("procedural", tree)
    assert len(tree["steps"]) == 1


def test_new_ids_are_short_and_unique():
    taken = {"n-000000"}
    ids = {tree_edit.new_id(taken) for _ in range(200)}

    assert len(ids) == 200
    assert all(re.fullmatch(r"n-[0-9a-f]{6}", node_id) for node_id in ids)


# ── Text ────────────────────────────────────────────────────────────────────────────────────────────


def test_setting_text_returns_a_new_tree_and_leaves_the_input_alone():
    original = lockout_tree()

    edited = tree_edit.set_text(original, "no", "resolution", "  Reset it in ADUC.\r\nThen sign in.  ")

    assert edited["children"][1]["resolution"] == "Reset it in ADUC.\nThen sign in."
    assert original == lockout_tree()


def test_an_option_label_is_set():
    edited = tree_edit.set_text(lockout_tree(), "locked", "label", "Yes, locked")

    assert edited["children"][0]["label"] == "Yes, locked"


def test_the_root_has_no_label_to_set():
    with pytest.raises(EditRefused, match="no option label"):
        tree_edit.set_text(lockout_tree(), "root", "label", "Start")


def test_a_text_field_of_another_type_is_refused():
    with pytest.raises(EditRefused, match="A solution has no 'question'"):
        tree_edit.set_text(lockout_tree(), "no", "question", "Why?")


def test_an_unknown_node_raises_a_clear_error():
    with pytest.raises(UnknownNode, match="no node 'ghost'"):
        tree_edit.set_text(lockout_tree(), "ghost", "label", "Boo")


# ── Options ─────────────────────────────────────────────────────────────────────────────────────────


def test_an_added_option_is_an_open_end_with_a_fresh_id():
    edited = tree_edit.add_option(lockout_tree(), "root")

    new = edited["children"][3]
    assert new["label"] == "New option"
    assert new["type"] == "solution" and new["open"] is True
    assert new["id"] not in tree_edit.node_ids(lockout_tree())
    validate_tree("troubleshooting", edited)


def test_a_second_new_option_gets_a_distinct_label():
    edited = tree_edit.add_option(tree_edit.add_option(lockout_tree(), "root"), "root")

    assert [child["label"] for child in edited["children"][3:]] == ["New option", "New option 2"]
    validate_tree("troubleshooting", edited)


def test_a_sixth_option_is_refused():
    tree = tree_edit.add_option(tree_edit.add_option(lockout_tree(), "root"), "root")

    with pytest.raises(EditRefused, match="at most 5 options"):
        tree_edit.add_option(tree, "root")


def test_only_questions_get_options():
    with pytest.raises(EditRefused, match="Only a question"):
        tree_edit.add_option(lockout_tree(), "no")


def test_options_move_up_and_down():
    down = tree_edit.move_option(lockout_tree(), "locked", +1)
    up = tree_edit.move_option(lockout_tree(), "unsure", -1)

    assert [c["id"] for c in down["children"]] == ["no", "locked", "unsure"]
    assert [c["id"] for c in up["children"]] == ["locked", "unsure", "no"]


def test_the_first_option_does_not_move_up():
    with pytest.raises(EditRefused, match="already first"):
        tree_edit.move_option(lockout_tree(), "locked", -1)


def test_removing_an_option_removes_its_subtree():
    edited = tree_edit.remove_node(lockout_tree(), "locked")

    assert tree_edit.node_ids(edited) == ["root", "no", "unsure"]


def test_removing_down_to_one_option_is_allowed_and_the_validator_names_the_question():
    edited = tree_edit.remove_node(tree_edit.remove_node(lockout_tree(), "no"), "unsure")

    assert fault(edited) == "root: question needs 2-5 children"


def test_the_root_cannot_be_removed():
    with pytest.raises(EditRefused, match="cannot be removed"):
        tree_edit.remove_node(lockout_tree(), "root")


def test_removing_an_actions_next_step_leaves_a_valid_action():
    edited = tree_edit.remove_node(lockout_tree(), "done")

    assert "children" not in edited["children"][0]
    validate_tree("troubleshooting", edited)


# ── Next steps ──────────────────────────────────────────────────────────────────────────────────────


def test_an_action_gets_one_next_step():
    tree = tree_edit.remove_node(lockout_tree(), "done")

    edited = tree_edit.add_next(tree, "locked")

    child = edited["children"][0]["children"][0]
    assert child["type"] == "solution" and child["open"] is True
    validate_tree("troubleshooting", edited)


def test_a_second_next_step_is_refused():
    with pytest.raises(EditRefused, match="one next step"):
        tree_edit.add_next(lockout_tree(), "locked")


# ── Types ───────────────────────────────────────────────────────────────────────────────────────────


def test_a_solution_made_a_question_keeps_its_text_and_gets_two_open_ends():
    edited = tree_edit.change_type(lockout_tree(), "unsure", "question")

    node = edited["children"][2]
    assert node["question"] == "?" and "resolution" not in node and "open" not in node
    assert [(c["type"], c["open"]) for c in node["children"]] == [("solution", True), ("solution", True)]
    validate_tree("troubleshooting", edited)


def test_a_question_made_an_action_keeps_its_first_child_only():
    assert tree_edit.dropped_by_type_change(lockout_tree(), "root", "action") == 2

    edited = tree_edit.change_type(lockout_tree(), "root", "action")

    assert edited["instructions"] == "Is the account locked out?"
    assert [c["id"] for c in edited["children"]] == ["locked"]
    validate_tree("troubleshooting", edited)


def test_an_action_made_a_solution_drops_its_script_and_children():
    assert tree_edit.dropped_by_type_change(lockout_tree(), "locked", "solution") == 1

    edited = tree_edit.change_type(lockout_tree(), "locked", "solution")

    node = edited["children"][0]
    assert node == {"id": "locked", "label": "Yes", "type": "solution", "resolution": "Unlock it in ADUC."}


def test_an_action_made_a_question_keeps_its_child_and_adds_an_open_end():
    edited = tree_edit.change_type(lockout_tree(), "locked", "question")

    node = edited["children"][0]
    assert [c["id"] for c in node["children"]][0] == "done"
    assert len(node["children"]) == 2 and node["children"][1]["open"] is True
    assert "script" not in node
    validate_tree("troubleshooting", edited)


def test_an_unknown_type_is_refused():
    with pytest.raises(EditRefused):
        tree_edit.change_type(lockout_tree(), "no", "maybe")


# ── Scripts and open ends ───────────────────────────────────────────────────────────────────────────


def test_a_script_reference_is_set_and_cleared():
    edited = tree_edit.set_script(lockout_tree(), "locked", " ad-reset-password ", {"user": "jsmith"})

    assert edited["children"][0]["script"] == {"template": "ad-reset-password", "params": {"user": "jsmith"}}
    assert "script" not in tree_edit.clear_script(edited, "locked")["children"][0]


def test_only_actions_carry_scripts():
    with pytest.raises(EditRefused, match="Only an action"):
        tree_edit.set_script(lockout_tree(), "no", "ad-unlock-user", {})


def test_a_script_needs_a_slug():
    with pytest.raises(EditRefused, match="slug"):
        tree_edit.set_script(lockout_tree(), "locked", "  ", {})


def test_open_ends_are_toggled_on_solutions_only():
    closed = tree_edit.set_open(lockout_tree(), "unsure", False)
    opened = tree_edit.set_open(lockout_tree(), "no", True)

    assert "open" not in closed["children"][2]
    assert opened["children"][1]["open"] is True
    with pytest.raises(EditRefused):
        tree_edit.set_open(lockout_tree(), "locked", True)


def test_params_read_from_and_written_as_lines():
    params = tree_edit.parse_params("user = jsmith\r\n\r\nou=OU=Staff,DC=corp\n")

    assert params == {"user": "jsmith", "ou": "OU=Staff,DC=corp"}
    assert tree_edit.params_text({"user": "jsmith", "force": True, "days": 30}) == (
        "user = jsmith\nforce = true\ndays = 30"
    )


def test_a_param_line_without_a_name_is_refused_with_its_number():
    with pytest.raises(EditRefused, match="Line 2"):
        tree_edit.parse_params("user = jsmith\njust text")


# ── Paths ───────────────────────────────────────────────────────────────────────────────────────────


def test_validator_paths_map_to_node_ids():
    tree = lockout_tree()

    assert tree_edit.node_at_path(tree, "root") == "root"
    assert tree_edit.node_at_path(tree, "root.children[0].children[0]") == "done"
    assert tree_edit.node_at_path(tree, "root.children[0].script.params.user") == "locked"
    assert tree_edit.node_at_path(steps(), "root.steps[1]") == "s2"
    assert tree_edit.node_at_path(steps(), "root.steps") is None
    assert tree_edit.node_at_path(tree, "root.children[9]") == "root"
    assert tree_edit.node_at_path(tree, "tree_type") is None


# ── Procedures ──────────────────────────────────────────────────────────────────────────────────────


def test_steps_are_added_after_a_step_or_at_the_end():
    after_first = tree_edit.add_step(steps(), "s1")
    at_end = tree_edit.add_step(steps())

    assert after_first["steps"][1]["title"] == "New step"
    assert at_end["steps"][2]["title"] == "New step"
    validate_tree("procedural", after_first)


def test_steps_are_moved_removed_and_retitled():
    moved = tree_edit.move_step(steps(), "s2", -1)
    removed = tree_edit.remove_step(steps(), "s1")
    retitled = tree_edit.set_step_text(steps(), "s2", "title", "Patch Windows")

    assert [s["id"] for s in moved["steps"]] == ["s2", "s1"]
    assert [s["id"] for s in removed["steps"]] == ["s2"]
    assert retitled["steps"][1]["title"] == "Patch Windows"


def test_the_last_step_does_not_move_down():
    with pytest.raises(EditRefused, match="already last"):
        tree_edit.move_step(steps(), "s2", +1)


def test_a_procedure_becomes_a_chain_of_actions_and_back():
    tree = tree_edit.convert_tree(steps(), "troubleshooting")

    validate_tree("troubleshooting", tree)
    assert tree["instructions"] == "Back up: Run the backup job."
    assert tree["children"][0]["label"] == "Patch"

    back = tree_edit.convert_tree(lockout_tree(), "procedural")
    validate_tree("procedural", back)
    assert [s["title"] for s in back["steps"]][:3] == ["Question", "Yes", "Unlocked"]


def test_node_operations_on_a_procedure_are_refused():
    with pytest.raises(EditRefused):
        tree_edit.add_option(steps(), "s1")


def test_operations_on_a_malformed_draft_raise_edit_errors_only():
    malformed = {"id": "r", "children": "nope"}

    with pytest.raises(EditRefused):
        tree_edit.add_option(malformed, "r")
    assert tree_edit.change_type(malformed, "r", "question")["children"][0]["open"] is True
    with pytest.raises(EditRefused):
        tree_edit.set_text(None, "r", "label", "x")


# ── Properties ──────────────────────────────────────────────────────────────────────────────────────

TEXT = st.sampled_from(["", "  ", "Yes", "No", "Option 1", "Check the cable", "x" * 301])


@st.composite
def valid_trees(draw, depth=0, counter=None, label=None):
    counter = counter if counter is not None else [0]
    counter[0] += 1
    node = {"id": f"g{counter[0]}"}
    if label is not None:
        node["label"] = label
    kinds = ["solution"] if depth >= 3 else ["question", "action", "solution"]
    kind = draw(st.sampled_from(kinds))
    node["type"] = kind
    if kind == "question":
        node["question"] = "Which?"
        count = draw(st.integers(2, 4))
        node["children"] = [draw(valid_trees(depth + 1, counter, f"Option {i}")) for i in range(count)]
    elif kind == "action":
        node["instructions"] = "Do it."
        if draw(st.booleans()):
            node["script"] = {"template": "ad-unlock-user", "params": {"user": "jsmith"}}
        if draw(st.booleans()):
            node["children"] = [draw(valid_trees(depth + 1, counter, "Done"))]
    else:
        node["resolution"] = "Fixed."
        if draw(st.booleans()):
            node["open"] = True
    return node


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(
            ["set_text", "add_option", "add_next", "remove", "move", "change_type", "script", "open", "unknown"]
        ),
        st.integers(0, 50),
        st.sampled_from(["label", "question", "instructions", "resolution", "question", "action", "solution"]),
        TEXT,
        st.sampled_from([-1, 1]),
    ),
    max_size=25,
)

# What an edit may legitimately leave behind: the editor shows these inline until they are fixed.
EDITABLE_FAULTS = re.compile(
    r"question needs 2-5 children|needs '(label|question|instructions|resolution)' \(non-empty text\)"
    r"|duplicate option|'label' is longer than"
)


def apply(tree, operation):
    name, pick, choice, text, direction = operation
    ids = tree_edit.node_ids(tree)
    node_id = ids[pick % len(ids)]
    if name == "set_text":
        return tree_edit.set_text(tree, node_id, choice if choice in tree_edit.TEXT_FIELDS else "label", text)
    if name == "add_option":
        return tree_edit.add_option(tree, node_id)
    if name == "add_next":
        return tree_edit.add_next(tree, node_id)
    if name == "remove":
        return tree_edit.remove_node(tree, node_id)
    if name == "move":
        return tree_edit.move_option(tree, node_id, direction)
    if name == "change_type":
        return tree_edit.change_type(tree, node_id, choice if choice in tree_edit.NODE_TYPES else "question")
    if name == "script":
        return tree_edit.set_script(tree, node_id, "ad-reset-password", {"user": text})
    if name == "open":
        return tree_edit.set_open(tree, node_id, direction > 0)
    return tree_edit.set_text(tree, "no-such-node", "label", text)


@given(valid_trees(), OPERATIONS)
def test_any_edits_keep_ids_unique_and_leave_only_faults_the_editor_can_show(tree, operations):
    for operation in operations:
        before = copy.deepcopy(tree)
        try:
            edited = apply(tree, operation)
        except TreeEditError:
            assert tree == before
            continue
        assert tree == before, "an edit must not mutate its input"
        tree = edited

        ids = tree_edit.node_ids(tree)
        assert len(ids) == len(set(ids))
        try:
            validate_tree("troubleshooting", tree)
        except InvalidTree as exc:
            assert EDITABLE_FAULTS.search(exc.message), exc
            assert tree_edit.node_at_path(tree, exc.path) is not None


STEP_OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["add", "remove", "move", "title", "instructions"]),
        st.integers(0, 50),
        TEXT,
        st.sampled_from([-1, 1]),
    ),
    max_size=25,
)


@given(STEP_OPERATIONS)
def test_any_step_edits_keep_ids_unique_and_faults_name_a_step(operations):
    tree = steps()
    for name, pick, text, direction in operations:
        ids = tree_edit.node_ids(tree)
        step_id = ids[pick % len(ids)] if ids else None
        try:
            if name == "add":
                tree = tree_edit.add_step(tree, step_id)
            elif name == "remove":
                tree = tree_edit.remove_step(tree, step_id)
            elif name == "move":
                tree = tree_edit.move_step(tree, step_id, direction)
            else:
                tree = tree_edit.set_step_text(tree, step_id, name, text)
        except TreeEditError:
            continue
        ids = tree_edit.node_ids(tree)
        assert len(ids) == len(set(ids))
        try:
            validate_tree("procedural", tree)
        except InvalidTree as exc:
            assert exc.path == "root.steps" or tree_edit.node_at_path(tree, exc.path) is not None
