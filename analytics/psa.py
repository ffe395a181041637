"""The dashboard's PSA figures (`psa_metrics`) for one account and period.

Definitions (the README has them too), for the period's calendar days in the account's time zone:
- ticket_link_rate = sessions created in the period with a verified ticket link / sessions created in the
  period, in percent; unverified_link_rate = those whose link is not verified (unverified or not found);
- the push figures count pushes created in the period that are final: `succeeded` or `dead` (a push still
  pending or failed-and-retrying counts nowhere yet);
- auto_push_success_rate = final pushes that succeeded at their first attempt / final pushes;
- auto_push_retry_success_rate = final pushes that succeeded only after a failed attempt / final pushes. A
  push that failed and then succeeded counts once, here, and never as a failure (the seed's
  "eventual_success double-counting failed retries" fix); the two rates and the dead share add up to 100;
- total_time_entries_logged and total_hours_logged: succeeded time entries only, and their hours.
Rates are percentages; a rate over nothing is null.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, DecimalField, Q, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from flowpilot.models import LinkStatus, PsaPush, PushKind, PushStatus, TicketLink

FINAL = (PushStatus.SUCCEEDED, PushStatus.DEAD)


def _pct(part, whole):
    return round(100.0 * part / whole, 4) if whole else None


def _bounds(account, first_day, last_day) -> tuple[datetime, datetime]:
    zone = ZoneInfo(account.time_zone or settings.ANALYTICS_TIME_ZONE)
    return (
        datetime.combine(first_day, time.min, tzinfo=zone),
        datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone),
    )


def psa_metrics(account, *periods: tuple) -> list[dict]:
    """The PSA figures of each period `(first_day, last_day, total_sessions)` (total_sessions: the sessions
    created on those days), in two queries whatever the number of periods."""
    bounds = [_bounds(account, first_day, last_day) for first_day, last_day, _total in periods]
    in_link_period = [Q(session__created_at__gte=start, session__created_at__lt=end) for start, end in bounds]
    in_push_period = [Q(created_at__gte=start, created_at__lt=end) for start, end in bounds]
    verified = Q(status=LinkStatus.VERIFIED)
    earliest, latest = min(start for start, _end in bounds), max(end for _start, end in bounds)
    links = TicketLink.objects.filter(
        account=account, session__created_at__gte=earliest, session__created_at__lt=latest
    ).aggregate(
        **{f"verified_{n}": Count("id", filter=when & verified) for n, when in enumerate(in_link_period)},
        **{f"unverified_{n}": Count("id", filter=when & ~verified) for n, when in enumerate(in_link_period)},
    )
    succeeded = Q(status=PushStatus.SUCCEEDED)
    entries = succeeded & Q(kind=PushKind.TIME_ENTRY)
    hours = Cast(KeyTextTransform("hours", "payload"), DecimalField(max_digits=10, decimal_places=2))
    counts = {}
    for n, when in enumerate(in_push_period):
        counts[f"final_{n}"] = Count("id", filter=when & Q(status__in=FINAL))
        counts[f"first_{n}"] = Count("id", filter=when & succeeded & Q(first_attempt_succeeded=True))
        counts[f"retried_{n}"] = Count("id", filter=when & succeeded & ~Q(first_attempt_succeeded=True))
        counts[f"entries_{n}"] = Count("id", filter=when & entries)
        counts[f"hours_{n}"] = Sum(hours, filter=when & entries)
    pushes = PsaPush.objects.filter(account=account, created_at__gte=earliest, created_at__lt=latest)
    pushes = pushes.aggregate(**counts)
    return [
        {
            "ticket_link_rate": _pct(links[f"verified_{n}"], total),
            "unverified_link_rate": _pct(links[f"unverified_{n}"], total),
            "auto_push_success_rate": _pct(pushes[f"first_{n}"], pushes[f"final_{n}"]),
            "auto_push_retry_success_rate": _pct(pushes[f"retried_{n}"], pushes[f"final_{n}"]),
            "total_time_entries_logged": pushes[f"entries_{n}"],
            "total_hours_logged": float(pushes[f"hours_{n}"] or Decimal(0)),
        }
        for n, (_first, _last, total) in enumerate(periods)
    ]
