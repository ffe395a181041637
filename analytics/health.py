"""Flow health: how each published flow performs, and how often guided sessions stay on their flow.

The seed's "flow quality" and "FlowPilot accuracy", for the dashboard's Flow health panel:
- per flow (all time, like the usage counters it reads): times matched, times followed, success rate
  (knowledge.usage's counters, the one owner of them), escape rate = free-text escapes at the flow's nodes /
  steps shown from the flow, reinforcements = the flywheel's `auto_reinforced` records for it, last matched;
- overall, for sessions created in the period: the share of closed guided sessions that were resolved
  without a free-text escape.
Rates are percentages (as in analytics.metrics), null when undefined. A constant number of aggregate queries,
however many flows and sessions there are.
"""

from datetime import timedelta

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from analytics import metrics
from flowpilot.models import AISession, AISessionStep
from knowledge.models import FlowProposal, ProposalStatus, Tree, TreeStatus

FLOW_ROWS = 25


def _pct(part, whole):
    return round(100.0 * part / whole, 4) if whole else None


def _count(queryset, **filters):
    """A correlated COUNT(*) subquery over `queryset` rows that point at the outer flow."""
    rows = queryset.filter(**filters).order_by().values(*filters).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def flow_rows(account, *, limit: int = FLOW_ROWS) -> list[dict]:
    """The account's published flows, most matched first, with their health figures (one query)."""
    flows = (
        Tree.objects.for_account(account)
        .filter(status=TreeStatus.PUBLISHED)
        .annotate(
            steps_shown=_count(AISessionStep.objects.all(), flow=OuterRef("pk")),
            escapes=_count(AISessionStep.objects.filter(was_free_text=True), flow=OuterRef("pk")),
            reinforcements=_count(
                FlowProposal.objects.filter(status=ProposalStatus.AUTO_REINFORCED), target_flow=OuterRef("pk")
            ),
        )
        .order_by("-times_matched", "name")
        .values(
            "id",
            "name",
            "problem_domain",
            "times_matched",
            "times_followed",
            "success_rate",
            "last_matched_at",
            "steps_shown",
            "escapes",
            "reinforcements",
        )[:limit]
    )
    return [
        {
            **row,
            "success_rate": round(100.0 * row["success_rate"], 4) if row["success_rate"] is not None else None,
            "escape_rate": _pct(row["escapes"], row["steps_shown"]),
        }
        for row in flows
    ]


def guided_accuracy(account, start, end) -> dict:
    """Closed guided sessions created in [start, end), and how many resolved with no free-text escape."""
    escaped = AISessionStep.objects.filter(session=OuterRef("pk"), was_free_text=True)
    row = (
        AISession.objects.for_account(account)
        .filter(created_at__gte=start, created_at__lt=end, confidence_tier="guided", status__in=metrics.CLOSED)
        .aggregate(
            closed=Count("id"),
            clean=Count("id", filter=Q(status="resolved") & ~Exists(escaped)),
        )
    )
    return {
        "guided_closed": row["closed"],
        "resolved_without_escape": row["clean"],
        "rate": _pct(row["clean"], row["closed"]),
    }


def report(account, period: str = "30d", *, now=None, limit: int = FLOW_ROWS) -> dict:
    """The Flow health panel: `flows` (at most `limit` rows), `flow_count` (all published) and `guided`."""
    end = now or timezone.now()
    start = end - timedelta(days=metrics.period_days(period))
    return {
        "flows": flow_rows(account, limit=limit),
        "flow_count": Tree.objects.for_account(account).filter(status=TreeStatus.PUBLISHED).count(),
        "guided": guided_accuracy(account, start, end),
    }
