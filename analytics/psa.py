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


def psa_metrics(account, first_day, last_day, *, total_sessions: int) -> dict:
    """The PSA figures of [first_day, last_day]; `total_sessions` is the sessions created on those days."""
    start, end = _bounds(account, first_day, last_day)
    links = TicketLink.objects.filter(
        account=account, session__created_at__gte=start, session__created_at__lt=end
    ).aggregate(
        verified=Count("id", filter=Q(status=LinkStatus.VERIFIED)),
        unverified=Count("id", filter=~Q(status=LinkStatus.VERIFIED)),
    )
    succeeded = Q(status=PushStatus.SUCCEEDED)
    entries = succeeded & Q(kind=PushKind.TIME_ENTRY)
    hours = Cast(KeyTextTransform("hours", "payload"), DecimalField(max_digits=10, decimal_places=2))
    pushes = PsaPush.objects.filter(account=account, created_at__gte=start, created_at__lt=end).aggregate(
        final=Count("id", filter=Q(status__in=FINAL)),
        first=Count("id", filter=succeeded & Q(first_attempt_succeeded=True)),
        retried=Count("id", filter=succeeded & ~Q(first_attempt_succeeded=True)),
        entries=Count("id", filter=entries),
        hours=Sum(hours, filter=entries),
    )
    return {
        "ticket_link_rate": _pct(links["verified"], total_sessions),
        "unverified_link_rate": _pct(links["unverified"], total_sessions),
        "auto_push_success_rate": _pct(pushes["first"], pushes["final"]),
        "auto_push_retry_success_rate": _pct(pushes["retried"], pushes["final"]),
        "total_time_entries_logged": pushes["entries"],
        "total_hours_logged": float(pushes["hours"] or Decimal(0)),
    }
