"""Turning a knowledge gap into a flow draft ("Create flow" on the gaps panel): analytics chooses the gap and
its evidence; knowledge builds the draft."""

from analytics import gaps
from analytics.errors import GapHasNoStructure, GapNotFound
from flowpilot.models import AISession
from knowledge import services
from knowledge.flywheel import builder
from knowledge.models import DraftSource, Tree
from knowledge.tree_format import TROUBLESHOOTING

CREATES_FLOWS = ("uncharted_territory", "repeated_pattern", "weak_options")


def find_gap(account, gap_id: str) -> dict:
    gap = next((g for g in gaps.report(account)["gaps"] if g["id"] == gap_id), None)
    if gap is None:
        raise GapNotFound(gap_id)
    return gap


def draft_for_gap(user, gap: dict):
    """A FlowDraft the editor opens preloaded: the rules tree of the group's most complete session, or for weak
    options the flow with the common free-text answers added as options (open ends)."""
    source = {"source_kind": DraftSource.GAP, "source_id": gap["id"][:64]}
    evidence = gap["evidence"]
    if gap["gap_type"] == "weak_options" and evidence.get("flow_id"):
        flow = Tree.objects.for_account(user.account).filter(pk=evidence["flow_id"]).first()
        if flow is None:
            raise GapNotFound(gap["id"])
        answers = [answer["text"].capitalize() for answer in evidence["common_answers"]]
        return services.start_draft_with_options(user, flow, node_id=evidence["node_id"], options=answers, **source)
    if gap["gap_type"] not in CREATES_FLOWS:
        raise GapHasNoStructure()
    session = (
        AISession.objects.for_account(user.account)
        .filter(pk__in=evidence.get("example_session_ids") or [])
        .order_by("-answered_step_count")
        .first()
    )
    if session is None:
        envelope = {
            "name": gap["title"][:200],
            "description": gap["description"],
            "tree_type": TROUBLESHOOTING,
            "problem_domain": gap["domain"],
            "match_keywords": [],
            "tree_structure": {"id": "root", "type": "action", "instructions": "Describe the first check."},
        }
    else:
        envelope = builder.new_flow_envelope(session, list(session.steps.order_by("order")))
    return services.start_draft(user, envelope, **source)
