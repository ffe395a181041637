"""The Review Queue's one service: approve, modify (edit & publish), reject or dismiss a flow proposal.

The API, the HTMX pages and the editor's "publish" of a proposal's draft all call `review_proposal`.
Rules (seed Task 5 and its review fixes):
- approve publishes a `new_flow` as a new flow (origin ai_generated); an enhancement cannot be approved
  as is (the Approve button is hidden for it): it is published with `modify` (Edit & Publish);
- modify publishes the reviewer's version: a new flow, or a new version of the target flow (origin
  ai_enhanced), refused with StaleTarget if the target changed since the proposal was made, unless forced;
- reject and dismiss change no flow; a dismissed proposal may resurface when its support grows;
- a proposal that is no longer pending is refused (409); two reviewers racing create exactly one flow;
- the reviewer must be allowed to publish into what the review publishes into (`knowledge.permissions`):
  an enhancement's target flow, or for a new flow the proposal's team (403 otherwise).
"""

from django.db import transaction
from django.utils import timezone

from knowledge import services
from knowledge.errors import InvalidEnvelope, ProposalNotPending, StaleTarget, UseModify
from knowledge.models import DraftSource, FlowProposal, Origin, ProposalStatus, ProposalType
from knowledge.permissions import require_reviewer
from knowledge.tree_format import TROUBLESHOOTING, validate_tree

ACTIONS = ("approve", "modify", "reject", "dismiss")
__all__ = ["ACTIONS", "review_proposal", "start_review_draft"]


def review_proposal(
    proposal: FlowProposal,
    *,
    reviewer,
    action: str,
    reviewer_notes: str | None = None,
    modified_flow_data=None,
    force: bool = False,
) -> FlowProposal:
    if action not in ACTIONS:
        raise InvalidEnvelope("action", f"must be one of {', '.join(ACTIONS)}")
    with transaction.atomic():
        locked = FlowProposal.objects.select_for_update(of=("self",)).select_related("target_flow").get(pk=proposal.pk)
        require_reviewer(reviewer, locked)
        if locked.status != ProposalStatus.PENDING:
            raise ProposalNotPending(locked.status)
        if action == "approve":
            if locked.proposal_type != ProposalType.NEW_FLOW:
                raise UseModify()
            _validate(locked.proposed_flow_data)
            locked.published_flow = _publish_new_flow(locked, locked.proposed_flow_data, reviewer, reviewer_notes)
            locked.status = ProposalStatus.APPROVED
        elif action == "modify":
            if modified_flow_data is None:
                raise InvalidEnvelope("modified_flow_data", "modify needs the flow to publish")
            locked.published_flow = _publish_modified(locked, modified_flow_data, reviewer, reviewer_notes, force)
            locked.status = ProposalStatus.MODIFIED
        elif action == "reject":
            locked.status = ProposalStatus.REJECTED
        else:
            locked.status = ProposalStatus.DISMISSED
            locked.support_at_dismissal = locked.supporting_session_count
        locked.reviewed_by = reviewer
        locked.reviewed_at = timezone.now()
        if reviewer_notes is not None:
            locked.reviewer_notes = reviewer_notes.strip() or None
        locked.save()
    return locked


def _validate(envelope: dict) -> None:
    structure = envelope.get("tree_structure") if isinstance(envelope, dict) else None
    try:
        validate_tree(envelope.get("tree_type", TROUBLESHOOTING), structure)
    except Exception as exc:
        raise InvalidEnvelope("tree_structure", str(exc)) from exc


def _publish_new_flow(proposal, data, reviewer, notes):
    return services.create_flow(
        proposal.account,
        data,
        author=reviewer,
        team=proposal.team,
        origin=Origin.AI_GENERATED,
        note=_note(proposal, notes),
        source_session=proposal.source_session,
    )


def _publish_modified(proposal, data, reviewer, notes, force):
    if proposal.proposal_type == ProposalType.NEW_FLOW:
        # A bare tree is accepted: the proposal's own envelope fills the rest.
        return _publish_new_flow(proposal, services.clean(data, defaults=proposal.proposed_flow_data), reviewer, notes)
    target = proposal.target_flow
    if target is None:
        raise InvalidEnvelope("target_flow", "the flow this enhancement was made for no longer exists")
    expected = None if force else proposal.target_flow_version
    if expected is not None and target.version != expected:
        raise StaleTarget(expected, target.version)
    return services.publish_tree(
        target, data, author=reviewer, note=_note(proposal, notes), origin=Origin.AI_ENHANCED, expected_version=expected
    )


def _note(proposal, notes) -> str:
    base = f"From proposal “{proposal.title}”"
    return f"{base}: {notes.strip()}" if notes and notes.strip() else base


def start_review_draft(proposal: FlowProposal, reviewer):
    """Edit & Publish: a draft of the proposal's envelope (for an enhancement, the target with the diff)."""
    require_reviewer(reviewer, proposal)
    if not proposal.is_pending:
        raise ProposalNotPending(proposal.status)
    draft = services.start_draft(
        reviewer,
        proposal.proposed_flow_data,
        target_flow=proposal.target_flow if proposal.proposal_type != ProposalType.NEW_FLOW else None,
        source_kind=DraftSource.PROPOSAL,
        source_id=proposal.pk,
    )
    if proposal.target_flow_version is not None:
        draft.target_version = proposal.target_flow_version
        draft.save(update_fields=["target_version"])
    return draft


def publish_proposal_draft(draft, *, author, note="", force=False):
    """The editor's Publish on a proposal's draft: the same modify review as the API."""
    proposal = FlowProposal.objects.for_account(draft.account).get(pk=draft.source_id)
    reviewed = review_proposal(
        proposal,
        reviewer=author,
        action="modify",
        reviewer_notes=note or None,
        modified_flow_data=draft.envelope,
        force=force,
    )
    return reviewed.published_flow
