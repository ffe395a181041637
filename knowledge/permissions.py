"""Who may change knowledge: team admins their team's and team-less items, owners everything (PRODUCT.md)."""

from django.core.exceptions import PermissionDenied


def can_edit_flow(user, tree=None) -> bool:
    """May `user` edit `tree` (or, with no tree, create flows)?"""
    if not user.is_authenticated or not user.is_admin:
        return False
    return tree is None or user.can_administer_team(tree.team_id)


def require_flow_editor(user, tree=None) -> None:
    if not can_edit_flow(user, tree):
        raise PermissionDenied("Team admins and owners edit flows (team admins: their team's and team-less ones).")
