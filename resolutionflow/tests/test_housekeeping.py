"""Daily housekeeping: expired rate counts and browser sessions go; current ones stay."""

import datetime as dt
import time

from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule

from resolutionflow import tasks
from resolutionflow.housekeeping import RATE_COUNT_MAX_AGE_SECONDS
from resolutionflow.models import RateCount
from resolutionflow.throttling import count_request


def test_expired_rate_counts_and_sessions_go_and_current_ones_stay(db):
    count_request("login:203.0.113.9", 60)  # this minute's window
    RateCount.objects.create(
        key="login:198.51.100.7", window_start=int(time.time()) - RATE_COUNT_MAX_AGE_SECONDS - 60, hits=3
    )
    current = SessionStore()
    current.create()
    expired = SessionStore()
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(expire_date=timezone.now() - dt.timedelta(days=1))

    gone = tasks.housekeeping()

    assert gone == {"rate_counts": 1, "sessions": 1}
    assert list(RateCount.objects.values_list("key", flat=True)) == ["login:203.0.113.9"]
    assert list(Session.objects.values_list("session_key", flat=True)) == [current.session_key]
    assert count_request("login:203.0.113.9", 60)[0] == 2  # the current window's count was kept


def test_it_runs_daily_and_by_hand(db, capsys):
    schedule = Schedule.objects.get(func=tasks.HOUSEKEEPING)
    assert schedule.schedule_type == Schedule.DAILY and schedule.repeats == -1

    call_command("housekeeping")

    assert "Deleted 0 expired rate counts and 0 expired sessions." in capsys.readouterr().out
