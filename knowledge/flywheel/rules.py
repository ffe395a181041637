"""The flywheel's rule table: what a resolved session teaches, evaluated in order.

| # | When                                                                                 | Outcome          |
|---|--------------------------------------------------------------------------------------|------------------|
| 1 | walked the matched flow, match_score ≥ guided threshold, no free-text escape,        | auto_reinforced  |
|   | resolved at one of its solution nodes that is not an open end                        |                  |
| 2 | walked the matched flow (match_score ≥ exploring threshold) and left it: a free-text | enhancement      |
|   | escape, an open end, or resolved away from its solution nodes                        |                  |
| 3 | did not walk any flow (discovery, or exploring answered by the LLM or by capture),   | new_flow         |
|   | with at least one answered step                                                      |                  |
| 4 | anything else (e.g. resolved with no step answered)                                  | none (reason)    |

"Walked" means at least one step came from a node of the session's matched flow. Thresholds are the
settings of PRODUCT.md, compared with ≥. Pure: takes the session and its steps, returns a decision.
"""

from dataclasses import dataclass

from django.conf import settings

from knowledge.tree_format import PROCEDURAL, find_node, is_open_end

AUTO_REINFORCED = "auto_reinforced"
ENHANCEMENT = "enhancement"
NEW_FLOW = "new_flow"
NONE = "none"


@dataclass(frozen=True)
class Decision:
    outcome: str
    rule: int
    reason: str


def decide(session, steps) -> Decision:
    flow = session.matched_flow
    walked = flow is not None and any(s.flow_id == flow.pk and s.flow_node_id for s in steps)
    escaped = any(s.was_free_text for s in steps)
    score = session.match_score
    answered = [s for s in steps if s.answered_at is not None]

    if (
        walked
        and score is not None
        and score >= settings.CONFIDENCE_GUIDED_THRESHOLD
        and not escaped
        and _resolved_at_solution(session, flow)
    ):
        return Decision(AUTO_REINFORCED, 1, "Followed the flow exactly to one of its solutions.")
    if walked and score is not None and score >= settings.CONFIDENCE_EXPLORING_THRESHOLD and _left_flow(session, flow):
        return Decision(ENHANCEMENT, 2, f"Left the flow at '{departure_node(session, steps)}'.")
    if not walked and answered:
        return Decision(NEW_FLOW, 3, "Solved without a flow.")
    if not answered:
        return Decision(NONE, 4, "Resolved with no step answered: nothing to learn from.")
    if walked and (score is None or score < settings.CONFIDENCE_EXPLORING_THRESHOLD):
        return Decision(NONE, 4, "Walked a flow chosen below the exploring threshold.")
    return Decision(NONE, 4, "Followed a flow below the guided threshold to its solution: nothing new.")


def _resolved_at_solution(session, flow) -> bool:
    if not session.resolution_node_id:
        return False
    if flow.tree_type == PROCEDURAL:
        steps = flow.tree_structure.get("steps") or [{}]
        return session.resolution_node_id == steps[-1].get("id")
    ref = find_node(flow.tree_structure, session.resolution_node_id)
    return ref is not None and ref.node.get("type") == "solution" and not is_open_end(ref.node)


def _left_flow(session, flow) -> bool:
    return bool(session.left_flow_node_id) or not _resolved_at_solution(session, flow)


def departure_node(session, steps) -> str:
    """The flow node where the session left the flow: recorded by the engine, else its last flow step."""
    if session.left_flow_node_id:
        return session.left_flow_node_id
    flow_steps = [s for s in steps if s.flow_id == session.matched_flow_id and s.flow_node_id]
    return flow_steps[-1].flow_node_id if flow_steps else ""
