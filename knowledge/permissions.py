"""Who may change knowledge: team admins their team's and team-less items, owners everything (PRODUCT.md).

`can_edit_flow` is the one rule for every write into a flow. The services that publish (create_flow,
publish_tree, and through them restore, import, the editor's publish and the review's approve/modify) check
it on the object they publish into, so no path can skip it; views check it first only to answer early.
"""

from django.core.exceptions import PermissionDenied

from knowledge.models import ProposalType

FLOW_EDITORS = "Team admins and owners edit flows (team admins: their team's and team-less ones)."
REVIEWERS = (
    "Team admins review their team's and team-less proposals (an enhancement: its flow's team's); owners review all."
)


def can_edit_flow(user, tree=None) -> bool:
    """May `user` publish into `tree`?

    `tree` is an existing flow, or an unsaved one about to be created (its account and team say where it
    goes); with no tree: may the user create flows at all.
    """
    if user is None or not user.is_authenticated or not user.is_admin:
        return False
    if tree is None:
        return True
    return tree.account_id == user.account_id and user.can_administer_team(tree.team_id)


def require_flow_editor(user, tree=None) -> None:
    if not can_edit_flow(user, tree):
        raise PermissionDenied(FLOW_EDITORS)


def can_review(user, proposal) -> bool:
    """Rights on what the review publishes into: an enhancement's target flow (its team's admins and owners),
    or for a new flow (or an enhancement whose flow is gone) the proposal's team."""
    if not user.is_authenticated or user.account_id != proposal.account_id:
        return False
    target = proposal.target_flow if proposal.proposal_type != ProposalType.NEW_FLOW else None
    if target is not None:
        return can_edit_flow(user, target)
    return user.is_admin and user.can_administer_team(proposal.team_id)


def require_reviewer(user, proposal) -> None:
    if not can_review(user, proposal):
        raise PermissionDenied(REVIEWERS)


def can_open_draft(user, draft) -> bool:
    """A draft is for its author and for those who may edit the flow it publishes onto.

    A draft of a new flow (no target) is its author's alone: holding its id gives nobody else access.
    """
    if not user.is_authenticated or not user.is_admin or user.account_id != draft.account_id:
        return False
    if draft.author_id == user.pk:
        return True
    return draft.target_flow_id is not None and can_edit_flow(user, draft.target_flow)
