"""Reads of sessions, always through the user's account. Knowledge is shared inside an account: everyone
reads every session; lists default to "mine"."""

from django.db.models import Q

from flowpilot.models import AISession
from resolutionflow.tenancy import access, scoped

SCOPES = ("mine", "team", "all")


def sessions(user, *, scope: str = "mine", status: str = "", domain: str = "", tier: str = ""):
    queryset = scoped(AISession, user).select_related("engineer", "matched_flow", "team").defer("intake_embedding")
    if scope == "mine":
        queryset = queryset.filter(Q(engineer=user) | Q(escalated_to_user=user))
    elif scope == "team":
        queryset = queryset.filter(team_id=user.team_id) if user.team_id else queryset.filter(engineer=user)
    if status:
        queryset = queryset.filter(status=status)
    if domain == "unknown":
        queryset = queryset.filter(problem_domain__isnull=True)
    elif domain:
        queryset = queryset.filter(problem_domain=domain)
    if tier:
        queryset = queryset.filter(confidence_tier=tier)
    return queryset.order_by("-created_at")


def session(user, pk) -> AISession:
    return access(
        AISession.objects.select_related(
            "engineer", "matched_flow", "team", "escalated_to_user", "escalated_to_team"
        ).defer("intake_embedding"),
        user,
        pk,
    )


def steps(session: AISession):
    return session.steps.select_related("flow").order_by("order")
