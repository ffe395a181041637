"""Turning a knowledge gap into a flow draft ("Create flow" on the gaps panel)."""

import copy

from django.http import Http404

from analytics import gaps
from flowpilot.models import AISession
from knowledge import services
from knowledge.flywheel import builder
from knowledge.models import DraftSource, Tree
from knowledge.tree_format import find_node

CREATES_FLOWS = ("uncharted_territory", "repeated_pattern", "weak_options")


def find_gap(account, gap_id: str) -> dict:
    gap = next((g for g in gaps.report(account)["gaps"] if g["id"] == gap_id), None)
    if gap is None:
        raise Http404("No such gap (the report may have been refreshed).")
    return gap


def draft_for_gap(user, gap: dict):
    """A FlowDraft the editor opens preloaded: the rules tree of the group's most complete session, or for weak
    options the flow with the common free-text answers added as options (open ends)."""
    if gap["gap_type"] == "weak_options" and gap["evidence"].get("flow_id"):
        flow = Tree.objects.for_account(user.account).get(pk=gap["evidence"]["flow_id"])
        envelope = _with_answers_as_options(flow, gap["evidence"]["node_id"], gap["evidence"]["common_answers"])
        return services.start_draft(
            user, envelope, target_flow=flow, source_kind=DraftSource.GAP, source_id=gap["id"][:64]
        )
    if gap["gap_type"] not in CREATES_FLOWS:
        raise ValueError("This kind of gap has no suggested structure.")
    session = (
        AISession.objects.for_account(user.account)
        .filter(pk__in=gap["evidence"].get("example_session_ids") or [])
        .order_by("-answered_step_count")
        .first()
    )
    if session is None:
        envelope = {
            "name": gap["title"][:200],
            "description": gap["description"],
            "tree_type": "troubleshooting",
            "problem_domain": gap["domain"],
            "match_keywords": [],
            "tree_structure": {"id": "root", "type": "action", "instructions": "Describe the first check."},
        }
    else:
        envelope = builder.new_flow_envelope(session, list(session.steps.order_by("order")))
    return services.start_draft(user, envelope, source_kind=DraftSource.GAP, source_id=gap["id"][:64])


def _with_answers_as_options(flow: Tree, node_id: str, answers: list[dict]) -> dict:
    envelope = flow.envelope()
    structure = copy.deepcopy(envelope["tree_structure"])
    ref = find_node(structure, node_id)
    if ref is not None and ref.node.get("type") == "question":
        taken = {c.get("label", "").casefold() for c in ref.node.get("children", [])}
        ids = builder.Ids("gap", {r for r in _ids(structure)})
        for answer in answers:
            text = builder.label(answer["text"].capitalize())
            if text.casefold() not in taken:
                builder.add_option(ref.node, builder.open_end(ids, text), ids)
                taken.add(text.casefold())
    envelope["tree_structure"] = structure
    return envelope


def _ids(structure):
    from knowledge.tree_format import iter_nodes

    return [ref.node["id"] for ref in iter_nodes(structure)]
