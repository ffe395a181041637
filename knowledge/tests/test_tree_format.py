import copy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge.tree_format import (
    InvalidTree,
    find_node,
    has_open_ends,
    iter_nodes,
    solution_ids,
    validate_tree,
)


def lockout_tree():
    return {
        "id": "root",
        "type": "question",
        "question": "Is the account locked out in AD?",
        "children": [
            {
                "id": "locked",
                "label": "Yes, locked",
                "type": "action",
                "instructions": "Unlock it in ADUC and find the lockout source.",
                "script": {"template": "ad-unlock-user", "params": {"sam_account_name": "jsmith"}},
                "children": [{"id": "done", "label": "Unlocked", "type": "solution", "resolution": "Unlocked."}],
            },
            {"id": "not-locked", "label": "No", "type": "solution", "resolution": "Reset the password."},
            {"id": "unknown", "label": "Can't tell", "type": "solution", "resolution": "?", "open": True},
        ],
    }


def fault(tree, tree_type="troubleshooting"):
    with pytest.raises(InvalidTree) as raised:
        validate_tree(tree_type, tree)
    return str(raised.value)


def test_a_valid_troubleshooting_tree_passes():
    validate_tree("troubleshooting", lockout_tree())


def test_a_valid_procedural_flow_passes():
    validate_tree("procedural", {"steps": [{"id": "s1", "title": "Back up", "instructions": "Run the job."}]})


def test_a_question_with_one_option_is_refused_with_its_path():
    tree = lockout_tree()
    tree["children"][0]["children"] = [
        {
            "id": "q2",
            "label": "Unlocked",
            "type": "question",
            "question": "Works?",
            "children": [{"id": "only", "label": "Yes", "type": "solution", "resolution": "ok"}],
        }
    ]

    assert fault(tree) == "root.children[0].children[0]: question needs 2-5 children"


def test_a_question_with_six_options_is_refused():
    tree = lockout_tree()
    tree["children"] = [
        {"id": f"o{i}", "label": f"Option {i}", "type": "solution", "resolution": "r"} for i in range(6)
    ]

    assert fault(tree) == "root: question needs 2-5 children"


def test_duplicate_ids_are_refused():
    tree = lockout_tree()
    tree["children"][1]["id"] = "locked"

    assert fault(tree) == "root.children[1]: duplicate id 'locked'"


def test_an_action_with_two_children_is_refused():
    tree = lockout_tree()
    tree["children"][0]["children"].append({"id": "x", "label": "Other", "type": "solution", "resolution": "r"})

    assert "root.children[0]: an action has at most one child" in fault(tree)


def test_a_solution_with_children_is_refused():
    tree = lockout_tree()
    tree["children"][1]["children"] = [{"id": "x", "label": "x", "type": "solution", "resolution": "r"}]

    assert fault(tree) == "root.children[1]: a solution has no children"


def test_a_non_root_node_needs_a_label_and_the_root_has_none():
    tree = lockout_tree()
    del tree["children"][1]["label"]
    assert fault(tree) == "root.children[1]: needs 'label' (non-empty text)"

    tree = lockout_tree()
    tree["label"] = "Start"
    assert fault(tree).startswith("root: the root has no label")


def test_a_node_needs_the_text_of_its_type():
    tree = lockout_tree()
    tree["children"][1]["question"] = tree["children"][1].pop("resolution")

    assert "root.children[1]: needs 'resolution'" in fault(tree)


def test_only_actions_carry_scripts_and_only_solutions_are_open():
    tree = lockout_tree()
    tree["children"][1]["script"] = {"template": "x", "params": {}}
    assert fault(tree) == "root.children[1]: only action nodes carry a script"

    tree = lockout_tree()
    tree["open"] = True
    assert fault(tree) == "root: only solution nodes can be open ends"


def test_a_script_param_must_be_a_scalar():
    tree = lockout_tree()
    tree["children"][0]["script"]["params"]["bad"] = {"nested": 1}

    assert fault(tree).startswith("root.children[0].script.params.bad:")


def test_duplicate_option_labels_under_one_question_are_refused():
    tree = lockout_tree()
    tree["children"][1]["label"] = " yes, LOCKED "

    assert "duplicate option" in fault(tree)


def test_unknown_fields_and_unknown_types_are_refused():
    tree = lockout_tree()
    tree["children"][1]["colour"] = "red"
    assert fault(tree) == "root.children[1]: unknown field 'colour'"

    assert fault(lockout_tree(), "decision_table") == "tree_type: must be one of troubleshooting, procedural"


def test_procedural_steps_are_checked():
    assert fault({"steps": []}, "procedural") == "root.steps: needs at least one step"
    step = {"id": "a", "title": "t", "instructions": "i"}
    assert fault({"steps": [step, dict(step)]}, "procedural") == "root.steps[1]: duplicate id 'a'"


def test_a_very_deep_tree_is_refused_without_crashing():
    tree = {"id": "n0", "type": "action", "instructions": "x"}
    node = tree
    for i in range(1, 5000):
        child = {"id": f"n{i}", "label": "next", "type": "action", "instructions": "x"}
        node["children"] = [child]
        node = child

    assert "deeper than" in fault(tree) or "more than" in fault(tree)


def test_reading_helpers():
    tree = lockout_tree()

    assert [ref.node["id"] for ref in iter_nodes(tree)] == ["root", "locked", "done", "not-locked", "unknown"]
    assert find_node(tree, "done").path == "root.children[0].children[0]"
    assert find_node(tree, "missing") is None
    assert has_open_ends(tree)
    assert solution_ids(tree) == {"done", "not-locked"}
    assert solution_ids(tree, include_open_ends=True) == {"done", "not-locked", "unknown"}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=6) | st.dictionaries(st.text(max_size=12), children, max_size=6),
    max_leaves=40,
)
node_keys = st.sampled_from(
    [
        "id",
        "type",
        "label",
        "question",
        "instructions",
        "resolution",
        "children",
        "script",
        "open",
        "steps",
        "title",
        "template",
        "params",
    ]
)
tree_like = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=10)
    | st.sampled_from(["question", "action", "solution", "root", "a", "b"]),
    lambda children: st.lists(children, max_size=6) | st.dictionaries(node_keys, children, max_size=8),
    max_leaves=60,
)


@given(tree_type=st.sampled_from(["troubleshooting", "procedural", "other", None]), data=json_values | tree_like)
def test_the_validator_never_crashes_on_arbitrary_json(tree_type, data):
    try:
        validate_tree(tree_type, data)
    except InvalidTree as exc:
        assert exc.path and exc.message


@given(st.data())
def test_mutating_a_valid_tree_either_passes_or_names_a_path(data):
    tree = copy.deepcopy(lockout_tree())
    refs = list(iter_nodes(tree))
    ref = data.draw(st.sampled_from(refs))
    key = data.draw(node_keys)
    ref.node[key] = data.draw(tree_like)
    try:
        validate_tree("troubleshooting", tree)
    except InvalidTree as exc:
        assert exc.path.startswith("root") or exc.path == "tree_type"
