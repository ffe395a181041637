"""Working time: each engineer's own span on a session, from its hand-offs, capped."""

import datetime as dt
from decimal import Decimal

from flowpilot import engine
from flowpilot.models import AISession, SessionHandoff
from flowpilot.psa import links
from flowpilot.psa.push_models import PsaPush, PushKind
from flowpilot.psa.tests.memory_psa import memory_psa  # noqa: F401 (a fixture)


def linked_session(engineer):
    return links.start_session(engineer, "Outlook keeps asking for my password", ticket_id="41233")


def test_each_engineer_logs_their_own_span_around_an_escalation(northwind_engineer, northwind_admin, connected):
    session = linked_session(northwind_engineer)
    session = engine.escalate_session(session, reason="Needs the Exchange admin", target_user=northwind_admin)
    session = engine.pick_up_session(session, northwind_admin)
    start = session.created_at
    AISession.objects.filter(pk=session.pk).update(created_at=start - dt.timedelta(minutes=90))
    SessionHandoff.objects.filter(session=session).update(
        escalated_at=start - dt.timedelta(minutes=60), picked_up_at=start - dt.timedelta(minutes=20)
    )
    session.refresh_from_db()

    engine.resolve_session(session, resolution_summary="The Exchange admin fixed the mailbox")

    entries = PsaPush.objects.filter(session=session, kind=PushKind.TIME_ENTRY).order_by("id")
    assert [(e.engineer, e.payload["hours"]) for e in entries][0] == (northwind_engineer, "0.50")
    assert entries[1].engineer == northwind_admin and Decimal(entries[1].payload["hours"]) >= Decimal("0.33")
    assert PsaPush.objects.get(session=session, kind=PushKind.NOTE).engineer == northwind_admin
