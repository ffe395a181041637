"""Reads of flows, always through the user's account (resolutionflow.tenancy)."""

from django.contrib.postgres.search import SearchQuery
from django.db.models import Count, F, Q

from knowledge.models import FlowDraft, FlowProposal, ProposalStatus, Tree, TreeStatus
from resolutionflow.tenancy import access, scoped

FLOW_SORTS = {
    "name": ["name"],
    "usage": [F("times_matched").desc(), "name"],
    "success": [F("success_rate").desc(nulls_last=True), "name"],
    "updated": ["-updated_at"],
}


def flows(
    user, *, q: str = "", domain: str = "", origin: str = "", tree_type: str = "", status: str = "", sort: str = "name"
):
    """The account's flows for the library: archived ones only when asked for by status."""
    queryset = scoped(Tree, user).defer("embedding", "search_document").select_related("team")
    queryset = queryset.filter(status=status) if status else queryset.exclude(status=TreeStatus.ARCHIVED)
    if domain == "unknown":
        queryset = queryset.filter(problem_domain__isnull=True)
    elif domain:
        queryset = queryset.filter(problem_domain=domain)
    if origin:
        queryset = queryset.filter(origin=origin)
    if tree_type:
        queryset = queryset.filter(tree_type=tree_type)
    if q.strip():
        query = SearchQuery(q.strip(), search_type="websearch", config="english")
        queryset = queryset.filter(Q(search_document=query) | Q(name__icontains=q.strip()))
    return queryset.order_by(*FLOW_SORTS.get(sort, FLOW_SORTS["name"]))


def flow(user, pk) -> Tree:
    return access(Tree.objects.defer("embedding", "search_document").select_related("team"), user, pk)


def flow_versions(tree: Tree):
    return tree.versions.select_related("author").order_by("-version")


def draft(user, pk) -> FlowDraft:
    return access(FlowDraft.objects.select_related("target_flow", "author"), user, pk)


def open_drafts(user, tree):
    """The user's unpublished drafts of a flow, newest first."""
    return (
        scoped(FlowDraft, user).filter(target_flow=tree, author=user, published_at__isnull=True).order_by("-updated_at")
    )


PROPOSAL_SORTS = {
    "newest": ["-created_at"],
    "confidence": ["-confidence_score", "-created_at"],
    "support": ["-supporting_session_count", "-created_at"],
}
# The queue's tabs: "approved" shows approved and modified; "all" everything but reinforcement records.
PROPOSAL_TABS = {
    "pending": [ProposalStatus.PENDING],
    "approved": [ProposalStatus.APPROVED, ProposalStatus.MODIFIED],
    "rejected": [ProposalStatus.REJECTED],
    "dismissed": [ProposalStatus.DISMISSED],
    "auto_reinforced": [ProposalStatus.AUTO_REINFORCED],
}


def proposals(user, *, status: str = "", proposal_type: str = "", domain: str = "", sort: str = "newest"):
    """The account's proposals; without a status every status but auto_reinforced (tracking records)."""
    queryset = (
        scoped(FlowProposal, user)
        .select_related("target_flow")
        .defer(
            "embedding",
            "proposed_flow_data",
            "proposed_diff",
            "target_flow__tree_structure",
            "target_flow__embedding",
            "target_flow__search_document",
        )
    )
    if status in PROPOSAL_TABS:
        queryset = queryset.filter(status__in=PROPOSAL_TABS[status])
    elif status:
        queryset = queryset.filter(status=status)
    else:
        queryset = queryset.exclude(status=ProposalStatus.AUTO_REINFORCED)
    if proposal_type:
        queryset = queryset.filter(proposal_type=proposal_type)
    if domain == "unknown":
        queryset = queryset.filter(problem_domain__isnull=True)
    elif domain:
        queryset = queryset.filter(problem_domain=domain)
    return queryset.order_by(*PROPOSAL_SORTS.get(sort, PROPOSAL_SORTS["newest"]))


def proposal_tab_counts(user, *, domain: str = "", tabs) -> dict[str, int]:
    """Each of `tabs` (keys of PROPOSAL_TABS, and "all") with its count for the domain filter, from one
    GROUP BY (an index-only scan without a domain)."""
    rows = proposals(user, domain=domain).order_by().values("status").annotate(count=Count("status"))
    by_status = {row["status"]: row["count"] for row in rows}
    counts = {
        key: sum(by_status.get(status, 0) for status in statuses)
        for key, statuses in PROPOSAL_TABS.items()
        if key in tabs
    }
    return {**counts, "all": sum(by_status.values())}


def proposal(user, pk) -> FlowProposal:
    return access(
        FlowProposal.objects.select_related("target_flow", "source_session", "reviewed_by", "published_flow").defer(
            "embedding"
        ),
        user,
        pk,
    )


def proposal_stats(user) -> dict:
    from datetime import timedelta

    from django.db.models import Count, Q
    from django.utils import timezone

    week_ago = timezone.now() - timedelta(days=7)
    base = scoped(FlowProposal, user)
    counts = base.aggregate(
        pending_count=Count("id", filter=Q(status=ProposalStatus.PENDING)),
        approved_this_week=Count("id", filter=Q(status__in=PROPOSAL_TABS["approved"], reviewed_at__gte=week_ago)),
        rejected_this_week=Count("id", filter=Q(status=ProposalStatus.REJECTED, reviewed_at__gte=week_ago)),
        auto_reinforced_this_week=Count(
            "id", filter=Q(status=ProposalStatus.AUTO_REINFORCED, created_at__gte=week_ago)
        ),
    )
    top = (
        base.filter(status=ProposalStatus.PENDING)
        .values("problem_domain")
        .annotate(count=Count("id"))
        .order_by("-count", "problem_domain")[:5]
    )
    counts["top_domains"] = [{"domain": row["problem_domain"] or "unknown", "count": row["count"]} for row in top]
    return counts


def reviewable_pending(user):
    """Pending proposals this user may review (their team's and team-less; owners all)."""
    pending = scoped(FlowProposal, user).filter(status=ProposalStatus.PENDING)
    if not user.is_owner:
        pending = pending.filter(Q(team_id=user.team_id) | Q(team__isnull=True))
    return pending


def reviewable_pending_count(user) -> int:
    """The sidebar badge: how many proposals `reviewable_pending` holds for an admin."""
    if not user.is_authenticated or not user.is_admin:
        return 0
    return reviewable_pending(user).count()
