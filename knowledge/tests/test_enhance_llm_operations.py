"""The LLM's enhancement operations, checked and applied with plain values (no database, no LLM).

Property: whatever operations an answer holds, the result is refused or it is a valid flow that keeps every
node, changes nothing outside the departure node's subtree (but the order of the departure node among its
siblings), and is rebuilt exactly by its stored diff.
"""

import copy
from datetime import UTC, datetime
from types import SimpleNamespace

import jsonschema
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from knowledge.flywheel.enhance_llm import MAX_PROMPT_STEPS, MAX_PROMPT_TEXT, SCHEMA, Refused, apply_answer, prompt
from knowledge.flywheel.facts import StepFacts
from knowledge.flywheel.generalise import Generaliser
from knowledge.tree_diff import apply_diff
from knowledge.tree_format import find_node, iter_nodes, validate_tree

TREE = {
    "id": "root",
    "type": "question",
    "question": "Can the user print at all?",
    "children": [
        {
            "id": "none",
            "label": "Nothing prints",
            "type": "action",
            "instructions": "Restart the print spooler",
            "children": [
                {
                    "id": "after-spooler",
                    "label": "Next",
                    "type": "question",
                    "question": "Does a test page print?",
                    "children": [
                        {"id": "fixed", "label": "Yes", "type": "solution", "resolution": "Spooler restarted."},
                        {"id": "still", "label": "No", "type": "solution", "resolution": "Not explored.", "open": True},
                    ],
                },
            ],
        },
        {"id": "some", "label": "Some jobs", "type": "solution", "resolution": "Clear the stuck job."},
        {"id": "end", "label": "Garbage", "type": "action", "instructions": "Reinstall the driver"},
    ],
}
IDS = [ref.node["id"] for ref in iter_nodes(TREE)]
TEMPLATES = {"restart-spooler"}
NOW = datetime(2026, 12, 7, tzinfo=UTC)


def flow(tree=TREE):
    structure = copy.deepcopy(tree)
    return SimpleNamespace(
        tree_structure=structure,
        envelope=lambda: {"name": "Printing", "tree_type": "troubleshooting", "tree_structure": structure},
    )


def apply(operations, departure="root", tree=TREE):
    return apply_answer({"operations": operations, "confidence": 0.7}, flow(tree), departure, TEMPLATES, Generaliser())


words = st.sampled_from(["Check the queue", "Restart it", "Open Settings", "Clear the cache", "Reboot the printer"])
labels = st.sampled_from([f"Option {letter}" for letter in "ABCDEFGH"] + ["Yes", "No", "Something else"])
middle_step = st.one_of(
    st.fixed_dictionaries(
        {"kind": st.just("action"), "text": words},
        optional={"script": st.fixed_dictionaries({"template": st.sampled_from(["restart-spooler", "wipe"])})},
    ),
    st.fixed_dictionaries(
        {"kind": st.just("question"), "text": words, "answer": labels},
        optional={"other_options": st.lists(labels, max_size=3, unique=True)},
    ),
)
steps = st.builds(
    lambda middle, fix: [*middle, {"kind": "solution", "text": fix}], st.lists(middle_step, max_size=3), words
)
node_ids = st.sampled_from(IDS)
operation = st.one_of(
    st.fixed_dictionaries(
        {"op": st.just("add_branch"), "node_id": node_ids, "steps": steps}, optional={"label": labels}
    ),
    st.fixed_dictionaries({"op": st.just("add_option"), "node_id": node_ids, "label": labels}),
    st.fixed_dictionaries(
        {"op": st.just("change_text"), "node_id": node_ids, "field": st.sampled_from(["text", "label"]), "text": labels}
    ),
    st.fixed_dictionaries({"op": st.just("move"), "node_id": node_ids, "index": st.integers(0, 4)}),
)


def own(node):
    return {k: v for k, v in node.items() if k != "children"}


@given(operations=st.lists(operation, min_size=1, max_size=3), departure=st.sampled_from(IDS))
def test_any_answer_is_refused_or_changes_only_the_allowed_area(operations, departure):
    answer = {"operations": operations, "confidence": 0.5}
    assume(jsonschema.Draft202012Validator(SCHEMA).is_valid(answer))
    try:
        enhanced = apply(operations, departure)
    except Refused:
        return
    tree = enhanced.envelope["tree_structure"]
    validate_tree("troubleshooting", tree)
    assert apply_diff(TREE, enhanced.diff) == tree
    assert not {op["op"] for op in enhanced.diff} & {"remove", "replace"}
    subtree = {ref.node["id"] for ref in iter_nodes(find_node(TREE, departure).node)}
    parent_of_departure = find_node(TREE, departure).parent
    for ref in iter_nodes(TREE):
        after = find_node(tree, ref.node["id"])
        assert after is not None  # nothing removed
        if ref.node["id"] in subtree:
            continue
        assert own(after.node) == own(ref.node)  # nothing outside changed
        kept = [c["id"] for c in ref.node.get("children", [])]
        now = [c["id"] for c in after.node.get("children", [])]
        if parent_of_departure is not None and ref.node["id"] == parent_of_departure["id"]:
            assert sorted(now) == sorted(kept)  # the departure's siblings may be reordered, not added to
        else:
            assert now == kept


def test_a_branch_after_an_action_that_ends_the_flow_continues_it():
    enhanced = apply(
        [
            {
                "op": "add_branch",
                "node_id": "end",
                "steps": [
                    {"kind": "action", "text": "Run the spooler script", "script": {"template": "restart-spooler"}},
                    {"kind": "solution", "text": "Prints again"},
                ],
            }
        ],
        departure="end",
    )

    action = enhanced.envelope["tree_structure"]["children"][2]
    [child] = action["children"]
    assert (child["label"], child["type"], child["script"]) == (
        "Next",
        "action",
        {"template": "restart-spooler", "params": {}},
    )
    assert enhanced.description == "Added branch 'Next' under 'Reinstall the driver'"


def test_a_question_in_a_branch_keeps_its_untried_options_as_open_ends():
    step = {"kind": "question", "text": "Which tray?", "answer": "Tray 2", "other_options": ["Tray 1", "Bypass"]}
    enhanced = apply(
        [{"op": "add_branch", "node_id": "end", "steps": [step, {"kind": "solution", "text": "Refill tray 2"}]}],
        departure="end",
    )

    question = enhanced.envelope["tree_structure"]["children"][2]["children"][0]
    assert [c["label"] for c in question["children"]] == ["Tray 2", "Tray 1", "Bypass"]
    assert [c.get("open", False) for c in question["children"]] == [False, True, True]


def test_rewording_a_node_in_the_subtree_is_a_change_of_that_node():
    enhanced = apply(
        [{"op": "change_text", "node_id": "after-spooler", "field": "text", "text": "Does the test page print now?"}],
        departure="none",
    )

    assert enhanced.diff == [
        {
            "op": "change",
            "node_id": "after-spooler",
            "path": "root.children[0].children[0]",
            "fields": {"question": ["Does a test page print?", "Does the test page print now?"]},
        }
    ]
    assert enhanced.operations[0]["words"] == "Reword 'Does a test page print?' as 'Does the test page print now?'"


@pytest.mark.parametrize(
    ("operations", "departure", "because"),
    [
        ([{"op": "move", "node_id": "fixed", "index": 1}], "none", None),
        ([{"op": "move", "node_id": "still", "index": 0}], "some", "outside the departure node's siblings"),
        ([{"op": "change_text", "node_id": "root", "field": "label", "text": "Hi"}], "root", "gives the root"),
        (
            [{"op": "change_text", "node_id": "fixed", "field": "label", "text": "no"}],
            "root",
            "gives two options the same label",
        ),
        ([{"op": "add_branch", "node_id": "none", "steps": [{"kind": "solution", "text": "X"}]}], "none", "leads on"),
        ([{"op": "add_branch", "node_id": "root"}], "root", "has no steps"),
        ([{"op": "move", "node_id": "some"}], "root", "has no index"),
        (
            [{"op": "add_branch", "node_id": "root", "label": "A", "steps": [{"kind": "solution", "text": "X"}] * 1}]
            * 2,
            "root",
            "which the question already has",
        ),
    ],
)
def test_each_check_names_what_is_wrong(operations, departure, because):
    if because is None:
        assert apply(operations, departure).diff
        return
    with pytest.raises(Refused, match=because):
        apply(operations, departure)


def test_an_option_added_to_the_departure_question_is_an_open_end():
    enhanced = apply([{"op": "add_option", "node_id": "after-spooler", "label": "Only blank pages"}], "none")

    [op] = enhanced.diff
    assert (op["op"], op["parent_id"], op["index"]) == ("add", "after-spooler", 2)
    assert op["node"]["open"] is True and op["node"]["label"] == "Only blank pages"


def test_the_prompt_is_bounded_to_the_last_steps_and_short_texts():
    session = SimpleNamespace(
        matched_flow=SimpleNamespace(name="Printing", tree_structure=TREE),
        problem_summary="Nothing prints " + "again " * 200,
        intake_text="",
        resolution_summary="Replaced the fuser",
    )
    steps = [
        StepFacts(
            order=n, step_type="capture", free_text_input=f"Checked tray {n}", action_result="Fine", answered_at=NOW
        )
        for n in range(1, MAX_PROMPT_STEPS + 11)
    ]

    text = prompt(session, steps, "none", [], {}, Generaliser())

    assert "(10 earlier steps left out)" in text
    assert 'Checked tray 10"' not in text and 'Checked: "Checked tray 11"' in text
    [problem] = [line for line in text.splitlines() if line.startswith("Problem: ")]
    assert problem.startswith("Problem: Nothing prints again") and problem.endswith("…")
    assert len(problem) == len("Problem: ") + MAX_PROMPT_TEXT
    assert "[none] action" in text and "<- DEPARTURE" in text.splitlines()[3]
