"""Time entry spans as the PSAs want them: UTC, whole seconds, ISO 8601 with a Z."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

MAX_HOURS = Decimal(24)


def utc_iso(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("Time entries need timezone-aware datetimes.")
    return moment.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_span(start: dt.datetime, hours: Decimal) -> tuple[str, str]:
    """Start and end of an entry of `hours` from `start` (the hours are what is billed, so they set the end)."""
    if not Decimal(0) < hours <= MAX_HOURS:
        raise ValueError(f"A time entry is between 0 and {MAX_HOURS} hours, not {hours}.")
    end = start + dt.timedelta(seconds=round(float(hours) * 3600))
    return utc_iso(start), utc_iso(end)
