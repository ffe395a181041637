"""Flow health: how each published flow performs, and how often guided sessions stay on their flow.

The seed's "flow quality" and "FlowPilot accuracy", for the dashboard's Flow health panel:
- per flow, all time (like the usage counters it shows): times matched, times followed, success rate and last
  matched (knowledge.usage's counters, read as they are), escape rate = free-text escapes at the flow's
  questions / its questions answered, reinforcements = the flywheel's `auto_reinforced` records for it;
- overall, for sessions created in the period (calendar days in the account's time zone, like the rest of
  the dashboard): the share of closed guided sessions that were resolved without a free-text escape (the
  engine records the escape on the session: left_flow_reason = free_text).
Rates are percentages (as in analytics.metrics), null when undefined. A constant number of aggregate queries
(three), however many flows, sessions and steps there are.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from analytics import metrics
from flowpilot.models import AISession, FlowNodeDay, LeftFlowReason
from knowledge.matching import ConfidenceTier
from knowledge.models import FlowProposal, ProposalStatus, Tree, TreeStatus

FLOW_ROWS = 20


def _pct(part, whole):
    return round(100.0 * part / whole, 4) if whole else None


def _per_flow(queryset, aggregate, **outer):
    """A correlated subquery: `aggregate` over the `queryset` rows that point at the outer flow, 0 without any."""
    rows = queryset.filter(**outer).order_by().values(*outer).annotate(n=aggregate).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def flow_rows(account, *, limit: int = FLOW_ROWS) -> list[dict]:
    """The account's published flows, most matched first, with their health figures (one query).

    Escapes are counted on the flow's questions through the FlowNodeDay rollup (answered questions and their
    free-text escapes per node and day, the one the weak-options gap reads), never by scanning the steps.
    """
    flow = {"flow": OuterRef("pk")}
    flows = (
        Tree.objects.for_account(account)
        .filter(status=TreeStatus.PUBLISHED)
        .annotate(
            questions_answered=_per_flow(FlowNodeDay.objects.all(), Sum("shown"), **flow),
            escapes=_per_flow(FlowNodeDay.objects.all(), Sum("escapes"), **flow),
            reinforcements=_per_flow(
                FlowProposal.objects.filter(status=ProposalStatus.AUTO_REINFORCED),
                Count("pk"),
                target_flow=OuterRef("pk"),
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
            "questions_answered",
            "escapes",
            "reinforcements",
        )[:limit]
    )
    return [
        {
            **row,
            "success_rate": round(100.0 * row["success_rate"], 4) if row["success_rate"] is not None else None,
            "escape_rate": _pct(row["escapes"], row["questions_answered"]),
            # The weak-options gap's threshold, so the table flags what the gaps panel would.
            "escapes_often": bool(row["questions_answered"])
            and row["escapes"] / row["questions_answered"] >= settings.WEAK_OPTIONS_ESCAPE_RATE,
        }
        for row in flows
    ]


def guided_accuracy(account, start, end) -> dict:
    """Closed guided sessions created in [start, end), and how many were resolved without a free-text escape.

    The escape is the one the engine records on the session when it happens (left_flow_reason = free_text):
    one aggregate over sessions, as cheap as the dashboard's headline, never a scan of their steps.
    """
    row = (
        AISession.objects.for_account(account)
        .filter(
            created_at__gte=start, created_at__lt=end, confidence_tier=ConfidenceTier.GUIDED, status__in=metrics.CLOSED
        )
        .aggregate(
            closed=Count("id"),
            clean=Count("id", filter=Q(status="resolved") & ~Q(left_flow_reason=LeftFlowReason.FREE_TEXT)),
        )
    )
    return {
        "guided_closed": row["closed"],
        "resolved_without_escape": row["clean"],
        "rate": _pct(row["clean"], row["closed"]),
    }


def period_window(account, period: str, now=None) -> tuple[datetime, datetime]:
    """The dashboard's period as analytics.metrics defines it: that many calendar days ending today in the
    account's time zone, as [start, end) instants."""
    days = metrics.period_days(period)
    zone = ZoneInfo(account.time_zone or settings.ANALYTICS_TIME_ZONE)
    today = (now or timezone.now()).astimezone(zone).date()
    start = datetime.combine(today - timedelta(days=days - 1), time.min, tzinfo=zone)
    return start, datetime.combine(today + timedelta(days=1), time.min, tzinfo=zone)


def report(account, period: str = "30d", *, now=None, limit: int = FLOW_ROWS) -> dict:
    """The Flow health panel: `flows` (at most `limit` rows), `flow_count` (all published) and `guided`."""
    return {
        "flows": flow_rows(account, limit=limit),
        "flow_count": Tree.objects.for_account(account).filter(status=TreeStatus.PUBLISHED).count(),
        "guided": guided_accuracy(account, *period_window(account, period, now)),
    }
