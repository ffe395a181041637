"""Daily housekeeping (a django-q2 schedule, resolutionflow 0006; `manage.py housekeeping` by hand): rows that
only ever grow and that nobody reads once they are old.

- Rate-limit counts (resolutionflow/throttling.py) whose window ended: one row per client and limit stays
  until that client comes back, so every IP that ever tried to sign in would stay for ever.
- Signed-out and expired browser sessions (Django keeps them until `clearsessions`).
"""

import time

from django.contrib.sessions.models import Session
from django.utils import timezone

from resolutionflow.models import RateCount

# Longer than the longest rate period (a day): a count this old belongs to a window that has ended.
RATE_COUNT_MAX_AGE_SECONDS = 2 * 24 * 3600


def tidy() -> dict[str, int]:
    """Delete what has expired; returns how many rows of each kind went."""
    stale = int(time.time()) - RATE_COUNT_MAX_AGE_SECONDS
    rate_counts, _ = RateCount.objects.filter(window_start__lt=stale).delete()
    sessions, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return {"rate_counts": rate_counts, "sessions": sessions}
