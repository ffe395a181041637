"""Per-user rate limits on FlowPilot's costly actions, one count per action for the API and the pages.

Scopes, with their rates in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (settings, see the README):

- `session_start` (FLOWPILOT_SESSION_START_RATE): starting a session, `POST /api/v1/ai-sessions` and the
  intake page;
- `session_answer` (FLOWPILOT_ANSWER_RATE): answering a step or switching flow, on the API and the
  session page (where "record it myself" counts too);
- `flow_match` (FLOW_MATCH_RATE): `POST /api/v1/flows/match`.

API views name their scope (`throttle_scope`) and list `ScopedThrottle`: over the rate they answer 429
with `Retry-After`. Page views use `@throttled(scope)`: 429 with a toast for htmx, or a page saying when
to try again. Both count in the same row, so moving between the API and the pages does not double the
allowance. An empty rate turns a limit off.

Counting is one statement per request (`count_request`): an upsert on an unlogged table, shared by every
process, in fixed windows of the rate's period. DRF's own throttles keep a list of request times in the
cache, which with the database cache cost six queries and a second commit on every answer.
"""

import hashlib
import math
import time
from functools import wraps
from types import SimpleNamespace

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

from resolutionflow.htmx import refuse

SESSION_START = "session_start"
SESSION_ANSWER = "session_answer"
FLOW_MATCH = "flow_match"


def count_request(key: str, period: int) -> tuple[int, float]:
    """Count one request for `key` in the current window of `period` seconds.

    Returns the requests counted in this window (this one included) and when the window ends. A key is
    built from what the client sent (an e-mail on the token endpoint): any that is long or not plain ASCII
    is stored as its hash, so no input can fail the insert."""
    if len(key) > 200 or not (key.isascii() and key.isprintable()):
        key = "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    window = int(time.time() // period) * period
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO resolutionflow_ratecount AS c (key, window_start, hits) VALUES (%s, %s, 1)
            ON CONFLICT (key) DO UPDATE
               SET hits = CASE WHEN c.window_start = EXCLUDED.window_start THEN c.hits + 1 ELSE 1 END,
                   window_start = EXCLUDED.window_start
            RETURNING hits
            """,
            [key, window],
        )
        return cursor.fetchone()[0], window + period


class CountedRateThrottle(SimpleRateThrottle):
    """DRF's rate throttle (same rates, keys and `wait()` contract) counting with `count_request`."""

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        hits, self.window_end = count_request(self.key, self.duration)
        return hits <= self.num_requests

    def wait(self):
        return max(0.0, self.window_end - time.time())


class ScopedThrottle(ScopedRateThrottle, CountedRateThrottle):
    """DRF's per-user scoped throttle (by IP for anonymous requests), with two differences: only requests
    that change something count (a list GET on the view that also starts sessions is free), and the rate
    is read from the settings when the request comes (DRF reads it once, at import)."""

    def allow_request(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)

    def get_rate(self):
        try:
            return api_settings.DEFAULT_THROTTLE_RATES[self.scope] or None
        except KeyError:
            raise ImproperlyConfigured(f"No throttle rate is set for the scope {self.scope!r}.") from None


def throttled(scope: str):
    """Decorate a page view: its POSTs count against `scope` for the signed-in user; over the rate, 429."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            throttle = ScopedThrottle()
            if not throttle.allow_request(request, SimpleNamespace(throttle_scope=scope)):
                return _too_many_requests(request, throttle.wait())
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def _too_many_requests(request, wait: float | None) -> HttpResponse:
    seconds = max(1, math.ceil(wait or 1))
    message = f"Too many requests in a minute. Wait {seconds} s, then try again."
    if request.htmx:
        response = refuse(request, message, "throttled")
    else:
        referrer = request.META.get("HTTP_REFERER", "")
        safe = url_has_allowed_host_and_scheme(referrer, {request.get_host()}, request.is_secure())
        response = render(request, "429.html", {"message": message, "back_url": referrer if safe else "/"}, status=429)
    response["Retry-After"] = str(seconds)
    return response
