"""The FlowPilot dashboard's numbers (the seed's FlowPilotDashboard), for one account and period.

Definitions (the README has them too):
- a period is 7, 30 or 90 calendar days ending today in the account's time zone; sessions "in the period"
  were created on those days (the previous period is the same number of days before it);
- closed sessions are those resolved, abandoned or escalated, each counted once: a session escalated and then
  picked up counts as escalated (in escalated_sessions, a domain's escalation rate and the high_escalation
  gap) whatever happens next, and also as resolved or abandoned once it is;
- resolution_rate = resolved / closed among them, in percent;
- a tier's resolution rate = its resolved / its closed;
- avg_steps_to_resolution = answered steps per resolved session;
- avg_session_duration_minutes = mean time from start to close over closed sessions (a picked-up session
  still open: to its latest escalation);
- escalations_picked_up = hand-offs of those sessions picked up; avg_time_to_pickup_minutes = their mean wait
  from escalation to pick-up;
- mttr_minutes = mean of resolved_at − created_at over sessions resolved on the period's days, and the trend
  groups them by resolution day in the account's time zone (days without resolutions have a null MTTR);
- sessions with no domain are grouped as "unknown"; rates are percentages; undefined values are null;
- each headline metric also has its value for the previous period of the same length (`previous`).
- psa_metrics (ticket links, pushes, time logged) are defined in analytics/psa.py.
Every figure is read from day rollups (flowpilot SessionDay / ResolutionDay, recomputed for a day whenever
one of its sessions starts or closes), so the dashboard costs the same on two years of data as on two weeks.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.utils import timezone

from analytics.errors import InvalidPeriod
from analytics.psa import psa_metrics
from flowpilot.models import ResolutionDay, SessionDay
from knowledge.matching import ConfidenceTier
from knowledge.models import FlowProposal, Origin, ProposalStatus, Tree, TreeStatus

PERIODS = {"7d": 7, "30d": 30, "90d": 90}
CLOSED = ("resolved", "escalated", "abandoned")


def period_days(period: str | None) -> int:
    if period in (None, ""):
        return PERIODS["30d"]
    if period not in PERIODS:
        raise InvalidPeriod(period, choices=list(PERIODS))
    return PERIODS[period]


def _pct(part, whole):
    return round(100.0 * part / whole, 4) if whole else None


def _minutes(duration):
    return round(duration.total_seconds() / 60, 4) if duration is not None else None


def _days(account, days: int, now=None):
    """The period as calendar days in the account's time zone: the `days` days ending today."""
    zone = ZoneInfo(account.time_zone or settings.ANALYTICS_TIME_ZONE)
    today = (now or timezone.now()).astimezone(zone).date()
    return today - timedelta(days=days - 1), today


def headline(account, first_day, last_day) -> dict:
    """The counts and rates of sessions created on [first_day, last_day], from the SessionDay rollup."""
    rows = SessionDay.objects.filter(account=account, day__gte=first_day, day__lte=last_day)
    total = rows.aggregate(
        total=Sum("total"),
        resolved=Sum("resolved"),
        escalated=Sum("escalated"),
        abandoned=Sum("abandoned"),
        closed=Sum("closed"),
        picked_up=Sum("picked_up"),
        pickup_seconds=Sum("pickup_seconds"),
        steps=Sum("steps_resolved"),
        seconds=Sum("closed_seconds"),
        rating_sum=Sum("rating_sum"),
        rating_count=Sum("rating_count"),
    )
    total = {k: v or 0 for k, v in total.items()}
    tiers = {
        row["confidence_tier"]: row
        for row in rows.values("confidence_tier").annotate(n=Sum("total"), r=Sum("resolved"), c=Sum("closed"))
    }
    closed = total["closed"]
    return {
        "total_sessions": total["total"],
        "resolved_sessions": total["resolved"],
        "escalated_sessions": total["escalated"],
        "abandoned_sessions": total["abandoned"],
        "escalations_picked_up": total["picked_up"],
        "avg_time_to_pickup_minutes": round(total["pickup_seconds"] / 60 / total["picked_up"], 4)
        if total["picked_up"]
        else None,
        "resolution_rate": _pct(total["resolved"], closed),
        "avg_steps_to_resolution": round(total["steps"] / total["resolved"], 4) if total["resolved"] else None,
        "avg_session_duration_minutes": round(total["seconds"] / 60 / closed, 4) if closed else None,
        "avg_rating": round(total["rating_sum"] / total["rating_count"], 4) if total["rating_count"] else None,
        "confidence_breakdown": {
            f"{tier}_{key}": value
            for tier in ConfidenceTier.values
            for key, value in (
                ("sessions", (tiers.get(tier) or {}).get("n") or 0),
                ("resolution_rate", _pct((tiers.get(tier) or {}).get("r") or 0, (tiers.get(tier) or {}).get("c") or 0)),
            )
        },
    }


def mttr(account, first_day, last_day) -> float | None:
    row = ResolutionDay.objects.filter(account=account, day__gte=first_day, day__lte=last_day).aggregate(
        n=Sum("resolved"), seconds=Sum("resolution_seconds")
    )
    return round(row["seconds"] / 60 / row["n"], 4) if row["n"] else None


def mttr_trend(account, days: int, now=None) -> list[dict]:
    first, last = _days(account, days, now)
    by_day = {row.day: row for row in ResolutionDay.objects.filter(account=account, day__gte=first, day__lte=last)}
    points, day = [], first
    while day <= last:
        row = by_day.get(day)
        points.append(
            {
                "date": day.isoformat(),
                "mttr_minutes": round(row.resolution_seconds / 60 / row.resolved, 4) if row else None,
                "session_count": row.resolved if row else 0,
            }
        )
        day += timedelta(days=1)
    return points


def sessions_by_domain(account, first_day, last_day) -> list[dict]:
    rows = (
        SessionDay.objects.filter(account=account, day__gte=first_day, day__lte=last_day)
        .values("problem_domain")
        .annotate(
            total_=Sum("total"),
            resolved_=Sum("resolved"),
            escalated_=Sum("escalated"),
            closed_=Sum("closed"),
            guided_=Sum("total", filter=Q(confidence_tier=ConfidenceTier.GUIDED)),
        )
        .order_by("-total_", "problem_domain")
    )
    return [
        {
            "domain": row["problem_domain"] or "unknown",
            "total": row["total_"],
            "resolved": row["resolved_"],
            "escalated": row["escalated_"],
            "resolution_rate": _pct(row["resolved_"], row["closed_"]),
            "guided_rate": _pct(row["guided_"] or 0, row["total_"]),
        }
        for row in rows
    ]


def knowledge_coverage(account, first_day, last_day, domains: list[dict], gap_severity: dict | None = None) -> dict:
    zone = ZoneInfo(account.time_zone or settings.ANALYTICS_TIME_ZONE)
    start = datetime.combine(first_day, time.min, tzinfo=zone)
    end = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone)
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
    first, last = _days(account, days, now)
    previous_first, previous_last = first - timedelta(days=days), first - timedelta(days=1)
    current = headline(account, first, last)
    previous = headline(account, previous_first, previous_last)
    domains = sessions_by_domain(account, first, last)
    confidence = current.pop("confidence_breakdown")
    psa, previous_psa = psa_metrics(
        account,
        (first, last, current["total_sessions"]),
        (previous_first, previous_last, previous["total_sessions"]),
    )
    return {
        "period": period or "30d",
        **current,
        "mttr_minutes": mttr(account, first, last),
        "mttr_trend": mttr_trend(account, days, now),
        "sessions_by_domain": [{k: v for k, v in d.items() if k != "guided_rate"} for d in domains],
        "confidence_breakdown": confidence,
        "knowledge_coverage": knowledge_coverage(account, first, last, domains, gap_severity),
        "psa_metrics": psa,
        "previous": {
            "total_sessions": previous["total_sessions"],
            "resolution_rate": previous["resolution_rate"],
            "mttr_minutes": mttr(account, previous_first, previous_last),
            "avg_rating": previous["avg_rating"],
            "ticket_link_rate": previous_psa["ticket_link_rate"],
            "psa_metrics": previous_psa,
        },
    }
