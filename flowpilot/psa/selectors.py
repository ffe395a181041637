"""Reads of ticket links and pushes, always through the user's account."""

from django.db.models import Q

from flowpilot.psa.push_models import PsaPush, PushStatus, TicketLink
from resolutionflow.tenancy import access, scoped


def ticket_link(session) -> TicketLink | None:
    return TicketLink.objects.filter(session_id=session.pk).first()


def session_pushes(session) -> list[PsaPush]:
    return list(PsaPush.objects.filter(session_id=session.pk).select_related("engineer").order_by("created_at", "id"))


def pushes(user):
    """Every push of the user's account."""
    return scoped(PsaPush, user)


def dead_pushes(user):
    """The account's dead pushes an admin may retry: owners see all, team admins their team's and team-less."""
    queryset = scoped(PsaPush, user).filter(status=PushStatus.DEAD)
    if not user.is_owner:
        queryset = queryset.filter(Q(session__team_id=user.team_id) | Q(session__team_id__isnull=True))
    return queryset.select_related("session", "engineer").order_by("-created_at", "-id")


def push(user, pk) -> PsaPush:
    return access(PsaPush.objects.select_related("session"), user, pk)
