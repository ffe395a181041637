from hypothesis import given
from hypothesis import strategies as st

from knowledge.tree_diff import apply_diff, describe, diff_trees


def base():
    return {
        "id": "root",
        "type": "question",
        "question": "Is it locked?",
        "children": [
            {
                "id": "yes",
                "label": "Yes",
                "type": "action",
                "instructions": "Unlock it.",
                "children": [{"id": "done", "label": "Unlocked", "type": "solution", "resolution": "Unlocked."}],
            },
            {"id": "no", "label": "No", "type": "solution", "resolution": "Reset the password."},
        ],
    }


def test_an_added_branch_is_one_add_with_its_subtree():
    new = base()
    new["children"].append(
        {
            "id": "err",
            "label": "Error 0x80070005",
            "type": "action",
            "instructions": "Check ACLs",
            "children": [{"id": "fix", "label": "Fixed", "type": "solution", "resolution": "ok"}],
        }
    )

    ops = diff_trees(base(), new)

    assert [(op["op"], op["node_id"], op["path"]) for op in ops] == [("add", "err", "root.children[2]")]
    assert ops[0]["node"]["children"][0]["id"] == "fix"
    assert describe(ops[0], base()) == "Added branch 'Error 0x80070005' under 'Is it locked?'"
    assert apply_diff(base(), ops) == new


def test_changes_and_removals_are_listed_and_reapplied():
    new = base()
    new["children"][1]["resolution"] = "Reset the password in ADUC."
    del new["children"][0]["children"]

    ops = diff_trees(base(), new)

    assert {(op["op"], op["node_id"]) for op in ops} == {("remove", "done"), ("change", "no")}
    change = next(op for op in ops if op["op"] == "change")
    assert change["fields"] == {"resolution": ["Reset the password.", "Reset the password in ADUC."]}
    assert apply_diff(base(), ops) == new


def test_reordering_is_a_move_and_regrouping_under_a_new_question_keeps_the_nodes():
    new = base()
    new["children"].reverse()
    assert apply_diff(base(), diff_trees(base(), new)) == new

    regrouped = {
        "id": "root",
        "type": "question",
        "question": "Is it locked?",
        "children": [
            base()["children"][0],
            {
                "id": "other",
                "label": "Other…",
                "type": "question",
                "question": "Which?",
                "children": [base()["children"][1], {"id": "n", "label": "New", "type": "solution", "resolution": "r"}],
            },
        ],
    }
    ops = diff_trees(base(), regrouped)
    assert apply_diff(base(), ops) == regrouped


def test_procedural_steps_diff_and_apply():
    old = {"steps": [{"id": "a", "title": "A", "instructions": "1"}, {"id": "b", "title": "B", "instructions": "2"}]}
    new = {"steps": [{"id": "b", "title": "B", "instructions": "2!"}, {"id": "c", "title": "C", "instructions": "3"}]}

    ops = diff_trees(old, new)

    assert apply_diff(old, ops) == new


ids = [f"n{i}" for i in range(12)]


@st.composite
def trees(draw):
    pool = draw(st.permutations(ids))
    counter = iter(pool)

    def node(depth):
        node_id = next(counter, None)
        if node_id is None:
            return None
        kind = draw(st.sampled_from(["question", "action", "solution"]))
        text = {"question": "question", "action": "instructions", "solution": "resolution"}[kind]
        result = {
            "id": node_id,
            "type": kind,
            text: draw(st.sampled_from(["x", "y"])),
            "label": draw(st.sampled_from(["A", "B"])),
        }
        if depth < 4 and kind != "solution":
            kids = [k for k in (node(depth + 1) for _ in range(draw(st.integers(0, 3)))) if k]
            if kids:
                result["children"] = kids
        return result

    root = node(0)
    root.pop("label")
    root["id"] = "root"
    return root


@given(trees(), trees())
def test_applying_the_diff_always_reproduces_the_new_tree(old, new):
    assert apply_diff(old, diff_trees(old, new)) == new
