"""Who acts on a session: its engineer, the escalation target, or an admin of its team (owners: all)."""

from django.core.exceptions import PermissionDenied


def can_act(user, session) -> bool:
    if not user.is_authenticated or user.account_id != session.account_id:
        return False
    if session.engineer_id == user.pk or session.escalated_to_user_id == user.pk:
        return True
    if session.escalated_to_team_id and session.escalated_to_team_id == user.team_id:
        return True
    return user.is_admin and user.can_administer_team(session.team_id)


def require_actor(user, session) -> None:
    if not can_act(user, session):
        raise PermissionDenied("Only the session's engineer, the escalation target or an admin acts on it.")


def can_pick_up(user, session) -> bool:
    """Whether `user` may pick up the escalated `session`: its target (the person, a member of the team, or
    anyone of the account when it names no one), or an admin who may act on it. Not whoever escalated it."""
    if not user.is_authenticated or user.account_id != session.account_id or not user.is_active:
        return False
    if session.status != "escalated" or session.engineer_id == user.pk:
        return False
    if session.escalated_to_user_id is None and session.escalated_to_team_id is None:
        return True
    if session.escalated_to_user_id == user.pk:
        return True
    if session.escalated_to_team_id and session.escalated_to_team_id == user.team_id:
        return True
    if not user.is_admin:
        return False
    target_team = session.escalated_to_team_id
    return user.can_administer_team(session.team_id) or (
        target_team is not None and user.can_administer_team(target_team)
    )
