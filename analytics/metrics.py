"""The FlowPilot dashboard's numbers (the seed's FlowPilotDashboard), for one account and period.

Definitions (the README has them too):
- sessions "in the period" were created in the last 7, 30 or 90 days;
- resolution_rate = resolved / closed (resolved + escalated + abandoned) among them, in percent;
- a tier's resolution rate = its resolved / its closed;
- avg_steps_to_resolution = answered steps per resolved session;
- avg_session_duration_minutes = mean time from start to close over closed sessions;
- mttr_minutes = mean of resolved_at − created_at over sessions resolved in the period, and the trend groups
  them by resolution day in the account's time zone (days without resolutions have a null MTTR);
- sessions with no domain are grouped as "unknown"; rates are percentages; undefined values are null;
- each headline metric also has its value for the previous period of the same length (`previous`).
Every figure comes from a handful of aggregate queries (FILTER clauses), never from Python loops over rows.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from flowpilot.models import AISession
from knowledge.models import FlowProposal, Origin, ProposalStatus, Tree, TreeStatus

PERIODS = {"7d": 7, "30d": 30, "90d": 90}
CLOSED = ("resolved", "escalated", "abandoned")


class InvalidPeriod(ValueError):
    api_status = 400

    def api_body(self):
        return {"period": [f"Choose one of {', '.join(PERIODS)}."]}


def period_days(period: str | None) -> int:
    if period in (None, ""):
        return PERIODS["30d"]
    if period not in PERIODS:
        raise InvalidPeriod(period)
    return PERIODS[period]


def _pct(part, whole):
    return round(100.0 * part / whole, 4) if whole else None


def _minutes(duration):
    return round(duration.total_seconds() / 60, 4) if duration is not None else None


def _window(days: int, now=None):
    end = now or timezone.now()
    return end - timedelta(days=days), end


def headline(account, start, end) -> dict:
    """The counts and rates of sessions created in [start, end), in one aggregate query."""
    sessions = AISession.objects.for_account(account).filter(created_at__gte=start, created_at__lt=end)
    closed_at = Coalesce("resolved_at", "escalated_at", "abandoned_at")
    row = sessions.aggregate(
        total=Count("id"),
        resolved=Count("id", filter=Q(status="resolved")),
        escalated=Count("id", filter=Q(status="escalated")),
        abandoned=Count("id", filter=Q(status="abandoned")),
        steps_resolved=Sum("answered_step_count", filter=Q(status="resolved")),
        duration=Avg(
            ExpressionWrapper(closed_at - F("created_at"), output_field=DurationField()), filter=Q(status__in=CLOSED)
        ),
        rating=Avg("rating"),
        with_ticket=Count("id", filter=~Q(intake_content__ticket_id="") & Q(intake_content__has_key="ticket_id")),
        **{
            f"{tier}_{kind}": Count("id", filter=Q(confidence_tier=tier) & cond)
            for tier in ("guided", "exploring", "discovery")
            for kind, cond in (("all", Q()), ("resolved", Q(status="resolved")), ("closed", Q(status__in=CLOSED)))
        },
    )
    closed = row["resolved"] + row["escalated"] + row["abandoned"]
    return {
        "total_sessions": row["total"],
        "resolved_sessions": row["resolved"],
        "escalated_sessions": row["escalated"],
        "abandoned_sessions": row["abandoned"],
        "resolution_rate": _pct(row["resolved"], closed),
        "avg_steps_to_resolution": round(row["steps_resolved"] / row["resolved"], 4) if row["resolved"] else None,
        "avg_session_duration_minutes": _minutes(row["duration"]),
        "avg_rating": round(row["rating"], 4) if row["rating"] is not None else None,
        "ticket_link_rate": _pct(row["with_ticket"], row["total"]),
        "confidence_breakdown": {
            f"{tier}_{key}": value
            for tier in ("guided", "exploring", "discovery")
            for key, value in (
                ("sessions", row[f"{tier}_all"]),
                ("resolution_rate", _pct(row[f"{tier}_resolved"], row[f"{tier}_closed"])),
            )
        },
    }


def mttr(account, start, end) -> float | None:
    resolved = AISession.objects.for_account(account).filter(resolved_at__gte=start, resolved_at__lt=end)
    value = resolved.aggregate(
        m=Avg(ExpressionWrapper(F("resolved_at") - F("created_at"), output_field=DurationField()))
    )["m"]
    return _minutes(value)


def mttr_trend(account, days: int, now=None) -> list[dict]:
    start, end = _window(days, now)
    zone = ZoneInfo(account.time_zone or settings.ANALYTICS_TIME_ZONE)
    rows = (
        AISession.objects.for_account(account)
        .filter(resolved_at__gte=start, resolved_at__lt=end)
        .annotate(day=TruncDate("resolved_at", tzinfo=zone))
        .values("day")
        .annotate(
            m=Avg(ExpressionWrapper(F("resolved_at") - F("created_at"), output_field=DurationField())), n=Count("id")
        )
    )
    by_day = {row["day"]: row for row in rows}
    first, last = start.astimezone(zone).date(), (end - timedelta(microseconds=1)).astimezone(zone).date()
    points, day = [], first
    while day <= last:
        row = by_day.get(day)
        points.append(
            {
                "date": day.isoformat(),
                "mttr_minutes": _minutes(row["m"]) if row else None,
                "session_count": row["n"] if row else 0,
            }
        )
        day += timedelta(days=1)
    return points


def sessions_by_domain(account, start, end) -> list[dict]:
    rows = (
        AISession.objects.for_account(account)
        .filter(created_at__gte=start, created_at__lt=end)
        .values("problem_domain")
        .annotate(
            total=Count("id"),
            resolved=Count("id", filter=Q(status="resolved")),
            escalated=Count("id", filter=Q(status="escalated")),
            closed=Count("id", filter=Q(status__in=CLOSED)),
            guided=Count("id", filter=Q(confidence_tier="guided")),
        )
        .order_by("-total", "problem_domain")
    )
    return [
        {
            "domain": row["problem_domain"] or "unknown",
            "total": row["total"],
            "resolved": row["resolved"],
            "escalated": row["escalated"],
            "resolution_rate": _pct(row["resolved"], row["closed"]),
            "guided_rate": _pct(row["guided"], row["total"]),
        }
        for row in rows
    ]


def knowledge_coverage(account, start, end, domains: list[dict], gap_severity: dict | None = None) -> dict:
    flows = Tree.objects.for_account(account).filter(status=TreeStatus.PUBLISHED)
    flow_counts = flows.aggregate(
        total=Count("id"),
        ai_generated=Count("id", filter=Q(origin=Origin.AI_GENERATED)),
        ai_enhanced=Count("id", filter=Q(origin=Origin.AI_ENHANCED)),
    )
    per_domain = dict(flows.values_list("problem_domain").annotate(n=Count("id")).values_list("problem_domain", "n"))
    proposals = FlowProposal.objects.for_account(account).aggregate(
        pending=Count("id", filter=Q(status=ProposalStatus.PENDING)),
        approved=Count(
            "id",
            filter=Q(
                status__in=[ProposalStatus.APPROVED, ProposalStatus.MODIFIED],
                reviewed_at__gte=start,
                reviewed_at__lt=end,
            ),
        ),
        rejected=Count("id", filter=Q(status=ProposalStatus.REJECTED, reviewed_at__gte=start, reviewed_at__lt=end)),
    )
    gap_severity = gap_severity or {}
    names = {d["domain"] for d in domains} | {d or "unknown" for d in per_domain}
    coverage = []
    for name in sorted(names):
        session_row = next((d for d in domains if d["domain"] == name), None)
        flow_count = per_domain.get(None if name == "unknown" else name, 0)
        guided_rate = session_row["guided_rate"] if session_row else None
        severity = gap_severity.get(name)
        coverage.append(
            {
                "domain": name,
                "flow_count": flow_count,
                "session_count": session_row["total"] if session_row else 0,
                "guided_rate": guided_rate,
                "gap_severity": severity,
                "colour": coverage_colour(guided_rate, flow_count, severity),
            }
        )
    return {
        "total_flows": flow_counts["total"],
        "ai_generated_flows": flow_counts["ai_generated"],
        "ai_enhanced_flows": flow_counts["ai_enhanced"],
        "total_proposals_pending": proposals["pending"],
        "proposals_approved_this_period": proposals["approved"],
        "proposals_rejected_this_period": proposals["rejected"],
        "coverage_by_domain": coverage,
    }


def coverage_colour(guided_rate, flow_count: int, gap_severity: str | None) -> str:
    """green: guided ≥ 60 % and ≥ 3 flows; red: guided < 30 % or an open high-severity gap; amber otherwise."""
    if gap_severity == "high" or (guided_rate is not None and guided_rate < settings.COVERAGE_RED_GUIDED_RATE):
        return "red"
    if (
        guided_rate is not None
        and guided_rate >= settings.COVERAGE_GREEN_GUIDED_RATE
        and flow_count >= settings.COVERAGE_GREEN_MIN_FLOWS
    ):
        return "green"
    return "amber"


def dashboard(account, period: str = "30d", *, now=None, gap_severity: dict | None = None) -> dict:
    days = period_days(period)
    start, end = _window(days, now)
    previous_start = start - timedelta(days=days)
    current = headline(account, start, end)
    previous = headline(account, previous_start, start)
    domains = sessions_by_domain(account, start, end)
    confidence = current.pop("confidence_breakdown")
    previous.pop("confidence_breakdown")
    ticket_link_rate = current.pop("ticket_link_rate")
    return {
        "period": period or "30d",
        **current,
        "mttr_minutes": mttr(account, start, end),
        "mttr_trend": mttr_trend(account, days, end),
        "sessions_by_domain": [{k: v for k, v in d.items() if k != "guided_rate"} for d in domains],
        "confidence_breakdown": confidence,
        "knowledge_coverage": knowledge_coverage(account, start, end, domains, gap_severity),
        "psa_metrics": {
            "ticket_link_rate": ticket_link_rate,
            # PSA pushes arrive with the PSA issue; until then these stay null.
            "auto_push_success_rate": None,
            "auto_push_retry_success_rate": None,
            "total_time_entries_logged": None,
            "total_hours_logged": None,
        },
        "previous": {
            "total_sessions": previous["total_sessions"],
            "resolution_rate": previous["resolution_rate"],
            "mttr_minutes": mttr(account, previous_start, start),
            "avg_rating": previous["avg_rating"],
            "ticket_link_rate": previous["ticket_link_rate"],
        },
    }
