"""What the flywheel generalised in a proposal, and a reviewer putting one term back.

A proposal records each replacement as {"field", "original", "replacement"} (knowledge.flywheel.generalise):
`field` is "title", "description", "match_keywords", "label", "diff" or "node <id> <key>". Putting a term
back writes the original where its role word stands in that field (the proposal's flow, its title or
description, and an enhancement's diff alike) and marks the item restored; nothing else changes.
"""

from django.db import transaction

from knowledge.errors import InvalidEnvelope, ProposalNotPending
from knowledge.models import FlowProposal
from knowledge.permissions import require_reviewer
from knowledge.tree_format import iter_nodes


def put_term_back(proposal: FlowProposal, index: int, *, reviewer) -> FlowProposal:
    """Write the original of item `index` back everywhere its role word replaced it in this proposal."""
    require_reviewer(reviewer, proposal)
    with transaction.atomic():
        proposal = FlowProposal.objects.select_for_update().get(pk=proposal.pk)
        if not proposal.is_pending:
            raise ProposalNotPending(proposal.status)
        items = list(proposal.generalised or [])
        if not 0 <= index < len(items) or items[index].get("restored"):
            raise InvalidEnvelope("generalised", "That term is not generalised in this proposal.")
        original, role = items[index]["original"], items[index]["replacement"]
        same = [i for i, item in enumerate(items) if (item["original"], item["replacement"]) == (original, role)]
        data = dict(proposal.proposed_flow_data)
        for i in same:
            _put_back(proposal, data, items[i]["field"], original, role)
            items[i] = {**items[i], "restored": True}
        proposal.proposed_flow_data = data
        proposal.generalised = items
        proposal.save(update_fields=["proposed_flow_data", "generalised", "title", "description", "proposed_diff"])
    return proposal


def _put_back(proposal: FlowProposal, data: dict, field: str, original: str, role: str) -> None:
    def back(text):
        return text.replace(role, original, 1) if isinstance(text, str) else text

    if field == "title":
        data["name"] = back(data.get("name", ""))
        proposal.title = back(proposal.title)
    elif field == "description":
        data["description"] = back(data.get("description", ""))
        proposal.description = back(proposal.description)
    elif field == "match_keywords":
        data["match_keywords"] = list(dict.fromkeys([*data.get("match_keywords", []), original]))
    elif field.startswith("node ") or field == "label":
        parts = field.split(" ")
        node_id, key = (parts[1], parts[2]) if len(parts) == 3 else (None, "label")
        for ref in iter_nodes(data.get("tree_structure") or {}):
            if (node_id is None or ref.node.get("id") == node_id) and role in str(ref.node.get(key, "")):
                ref.node[key] = back(ref.node[key])
                if node_id is None:
                    break
        proposal.proposed_diff = _diff_back(proposal.proposed_diff, node_id, key, role, original)
    elif field == "diff":
        proposal.proposed_diff = _diff_back(proposal.proposed_diff, None, None, role, original)


def _diff_back(value, node_id, key, role, original):
    """The diff with the role word put back in the node (or anywhere, when no node is named)."""
    if isinstance(value, list):
        return [_diff_back(item, node_id, key, role, original) for item in value]
    if isinstance(value, dict):
        here = node_id is None or value.get("id") == node_id
        return {
            k: (
                v.replace(role, original, 1)
                if isinstance(v, str) and here and (key is None or k == key) and k not in ("op", "path", "id")
                else _diff_back(v, node_id, key, role, original)
            )
            for k, v in value.items()
        }
    return value
