"""The demo history's PSA side: links on the sessions with a ticket, pushes in every state."""

from datetime import timedelta

from django.utils import timezone

from flowpilot.models import LinkStatus, PsaPush, PushStatus, TicketLink
from flowpilot.psa import demo
from flowpilot.tests.factories import AISessionFactory


def test_the_demo_history_has_pushes_in_every_state(northwind, northwind_engineer):
    now = timezone.now()
    for n in range(40):
        closed = now - timedelta(days=40 - n)
        escalated = n % 5 == 0
        AISessionFactory(
            engineer=northwind_engineer,
            intake_content={"text": "Outlook prompts", "ticket_id": f"T-{10000 + n}", "client_name": "Acme"},
            status="escalated" if escalated else "resolved",
            resolved_at=None if escalated else closed,
            escalated_at=closed if escalated else None,
            documentation="Documentation",
            handoff_summary="Hand-off",
            created_at=closed - timedelta(minutes=30),
        )

    summary = demo.seed({"northwind": northwind})

    assert "ticket links" in summary
    assert set(PsaPush.objects.values_list("status", flat=True)) == set(PushStatus.values)
    assert set(TicketLink.objects.values_list("status", flat=True)) == set(LinkStatus.values)
    assert not PsaPush.objects.filter(created_at__gt=now).exists()  # dated with their sessions' closes
    assert PsaPush.objects.filter(status=PushStatus.SUCCEEDED, first_attempt_succeeded=False).exists()
    assert demo.seed({"northwind": northwind}) == "PSA history already there"
