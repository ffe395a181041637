"""Each rule of the knowledge app lives once: the confidence tiers, the open-end text, a draft with options."""

import inspect

import pytest

from knowledge import services, tree_edit
from knowledge.flywheel import builder
from knowledge.matching import ConfidenceTier, confidence_tier
from knowledge.models import DraftSource
from knowledge.tests.factories import QuestionTreeFactory, TreeFactory
from knowledge.tree_format import MAX_OPTIONS, OPEN_END_TEXT, TROUBLESHOOTING, find_node, validate_tree


def test_a_score_gets_its_tier_from_the_threshold_settings(settings):
    settings.CONFIDENCE_GUIDED_THRESHOLD = 0.9
    settings.CONFIDENCE_EXPLORING_THRESHOLD = 0.6

    assert confidence_tier(0.85) == ConfidenceTier.EXPLORING
    assert confidence_tier(0.55) == ConfidenceTier.DISCOVERY
    assert confidence_tier(0.9) == ConfidenceTier.GUIDED
    assert confidence_tier(None) == ConfidenceTier.DISCOVERY


def test_tiers_keep_the_strings_the_api_returns():
    assert [str(tier) for tier in ConfidenceTier] == ["guided", "exploring", "discovery"]


def test_the_editor_and_the_flywheel_write_the_same_open_end():
    from_editor = tree_edit.new_tree(TROUBLESHOOTING)["children"][0]
    from_flywheel = builder.open_end(builder.Ids("x"), "Something else")

    assert from_editor["resolution"] == from_flywheel["resolution"] == OPEN_END_TEXT


def test_a_draft_with_options_adds_only_new_answers_as_open_ends(northwind, northwind_admin):
    flow = TreeFactory(account=northwind, tree_structure=QuestionTreeFactory(options=("Yes", "No")))

    draft = services.start_draft_with_options(
        northwind_admin,
        flow,
        node_id="n-root",
        options=["no", "Account disabled", "Password expired"],
        source_kind=DraftSource.GAP,
        source_id="weak_options:1:n-root",
    )

    structure = draft.envelope["tree_structure"]
    labels = [child["label"] for child in find_node(structure, "n-root").node["children"]]
    assert labels == ["Yes", "No", "Account disabled", "Password expired"]
    assert [c.get("resolution") for c in find_node(structure, "n-root").node["children"][2:]] == [OPEN_END_TEXT] * 2
    validate_tree(TROUBLESHOOTING, structure)
    assert draft.target_flow == flow and draft.source_kind == DraftSource.GAP
    flow.refresh_from_db()
    assert len(find_node(flow.tree_structure, "n-root").node["children"]) == 2  # the flow itself is unchanged


def test_a_draft_with_more_options_than_the_limit_stays_a_valid_tree(northwind, northwind_admin):
    flow = TreeFactory(account=northwind, tree_structure=QuestionTreeFactory(options=("Yes", "No")))
    options = [f"Answer {n}" for n in range(MAX_OPTIONS + 2)]

    draft = services.start_draft_with_options(northwind_admin, flow, node_id="n-root", options=options)

    validate_tree(TROUBLESHOOTING, draft.envelope["tree_structure"])


@pytest.mark.parametrize("service", [services.create_flow, services.start_draft_with_options])
def test_services_take_keywords_after_their_first_two_arguments(service):
    parameters = list(inspect.signature(service).parameters.values())

    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters[2:])
