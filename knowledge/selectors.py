"""Reads of flows, always through the user's account (resolutionflow.tenancy)."""

from django.contrib.postgres.search import SearchQuery
from django.db.models import F, Q

from knowledge.models import FlowDraft, Tree, TreeStatus
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
