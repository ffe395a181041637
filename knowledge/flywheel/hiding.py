"""A span an engineer hid by hand in a session also goes from the proposals already built from it."""

from knowledge.models import FlowProposal
from resolutionflow.redaction import hide_span


def hide_in_proposals(account_id, session_id: str, span: str) -> bool:
    """Replace `span` by the marker in every proposal the session made or supports; true if any changed."""
    changed = False
    proposals = FlowProposal.objects.filter(account_id=account_id, supporting_session_ids__has_key=session_id)
    for proposal in proposals.select_for_update(of=("self",)).defer("embedding"):
        fields = {
            name: _hidden(getattr(proposal, name), span)
            for name in ("title", "description", "proposed_flow_data", "proposed_diff", "generalised")
        }
        fields = {name: value for name, value in fields.items() if value != getattr(proposal, name)}
        if fields:
            FlowProposal.objects.filter(pk=proposal.pk).update(**fields)
            changed = True
    return changed


def _hidden(value, span: str):
    if isinstance(value, str):
        return hide_span(value, span).text
    if isinstance(value, list):
        return [_hidden(item, span) for item in value]
    if isinstance(value, dict):
        return {key: _hidden(item, span) for key, item in value.items()}
    return value
