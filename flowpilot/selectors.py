"""Reads of sessions, always through the user's account. Knowledge is shared inside an account: everyone
reads every session; lists default to "mine"."""

from django.db.models import Exists, OuterRef, Q

from flowpilot.models import AISession, SessionHandoff
from resolutionflow.tenancy import access, scoped

SCOPES = ("mine", "team", "all")
# Columns no page or API response shows: vectors (a thousand floats to parse each) and search documents.
UNSHOWN = ("intake_embedding", "matched_flow__embedding", "matched_flow__search_document")


def sessions(user, *, scope: str = "mine", status: str = "", domain: str = "", tier: str = ""):
    queryset = scoped(AISession, user).select_related("engineer", "matched_flow", "team").defer(*UNSHOWN)
    if scope == "mine":
        queryset = queryset.filter(held_by(user) | Q(escalated_to_user=user))
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


def held_by(user) -> Q:
    """Sessions `user` holds or held: their engineer now, or an engineer who escalated them since (a session
    picked up by someone else stays in the history of everyone who worked on it)."""
    handed_off = SessionHandoff.objects.filter(session=OuterRef("pk"), escalated_by=user)
    return Q(engineer=user) | Q(Exists(handed_off))


def session(user, pk) -> AISession:
    return access(
        AISession.objects.select_related(
            "engineer", "matched_flow", "team", "escalated_to_user", "escalated_to_team"
        ).defer(*UNSHOWN),
        user,
        pk,
    )


def session_to_act_on(user, pk) -> AISession:
    """The session with only what `permissions.can_act` reads, for an action that reads it again, locked
    (every engine action): the permission check costs a narrow row, not the session and five joins."""
    fields = ("id", "account_id", "engineer_id", "escalated_to_user_id", "escalated_to_team_id", "team_id")
    return access(AISession.objects.only(*fields), user, pk)


def steps(session: AISession):
    return session.steps.select_related("flow").defer("flow__embedding", "flow__search_document").order_by("order")
