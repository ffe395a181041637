"""Flow usage statistics: the one owner of times_matched, times_followed, success_count, success_rate and
last_matched_at (PRODUCT.md). The engine calls `record_match` when a session starts, and
`record_session_outcome` once when a session closes (resolved, escalated or abandoned).
"""

from django.db.models import F, FloatField
from django.db.models.functions import Cast
from django.utils import timezone

from knowledge.models import Tree
from knowledge.tree_format import PROCEDURAL, find_node, is_open_end


def record_match(tree: Tree) -> None:
    Tree.objects.filter(pk=tree.pk).update(times_matched=F("times_matched") + 1, last_matched_at=timezone.now())


def backdate_last_matches(last_matched: dict) -> None:
    """Set each flow's `last_matched_at` to the given time ({flow id: datetime}).

    Only for sessions whose timestamps were moved back after they ran (the demo's history): `record_match`
    stamped the moment the load ran, and a flow must read as last matched when its latest session started.
    """
    for flow_id, matched_at in last_matched.items():
        Tree.objects.filter(pk=flow_id).update(last_matched_at=matched_at)


def session_outcome(session, steps) -> tuple[bool, bool]:
    """(walked, succeeded) for a closed session on its matched flow.

    Walked: at least one step came from a node of the matched flow. Succeeded: resolved at one of that
    flow's solution nodes that is not an open end (for a procedure: after its last step), with no
    free-text escape anywhere in the session.
    """
    flow = session.matched_flow
    if flow is None:
        return False, False
    walked = any(step.flow_id == flow.pk and step.flow_node_id for step in steps)
    if not walked or session.status != "resolved" or not session.resolution_node_id:
        return walked, False
    if any(step.was_free_text for step in steps):
        return walked, False
    if flow.tree_type == PROCEDURAL:  # a procedure succeeds when resolved after its last step
        steps = flow.tree_structure.get("steps") or [{}]
        return walked, session.resolution_node_id == steps[-1].get("id")
    ref = find_node(flow.tree_structure, session.resolution_node_id)
    succeeded = ref is not None and ref.node.get("type") == "solution" and not is_open_end(ref.node)
    return walked, succeeded


def record_session_outcome(session, steps) -> tuple[bool, bool]:
    """Add a closed session's outcome to its matched flow's stats (atomic SQL increments)."""
    walked, succeeded = session_outcome(session, steps)
    if walked:
        Tree.objects.filter(pk=session.matched_flow_id).update(
            times_followed=F("times_followed") + 1,
            success_count=F("success_count") + (1 if succeeded else 0),
        )
        Tree.objects.filter(pk=session.matched_flow_id).update(
            success_rate=Cast(F("success_count"), FloatField()) / F("times_followed")
        )
    return walked, succeeded
