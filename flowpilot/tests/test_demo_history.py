from django.core.management import call_command
from django.db.models import Count, F, Max, Min

from flowpilot.models import AISession, SessionHandoff
from resolutionflow.models import Account


def test_seed_demo_makes_90_days_of_consistent_sessions_and_analyses_them(db):
    call_command("seed_demo", quiet_logins=True)

    northwind = Account.objects.get(slug="northwind")
    sessions = AISession.objects.for_account(northwind)
    by_status = {row["status"]: row["n"] for row in sessions.values("status").annotate(n=Count("pk"))}
    assert sessions.count() > 150
    assert set(by_status) == {"resolved", "escalated", "abandoned", "active"}  # active: today's work in progress
    escalated = sessions.filter(status="escalated")
    assert escalated.filter(escalated_to_user__email="alex@northwind.test").exists()  # waiting in an inbox
    assert escalated.filter(escalated_to_team__name="Service Desk").exists()
    assert sessions.filter(status="active", engineer__email="alex@northwind.test").exists()
    assert set(sessions.values_list("confidence_tier", flat=True)) == {"guided", "exploring", "discovery"}
    assert sessions.filter(steps__was_free_text=True).exists()
    assert sessions.filter(rating__isnull=False).exists()
    span = sessions.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert 85 <= (span["last"] - span["first"]).days <= 90
    assert not sessions.filter(resolved_at__lt=F("created_at")).exists()
    assert sessions.filter(status="resolved", analysis_status="completed").count() == by_status["resolved"]
    assert not AISession.objects.filter(account__slug="contoso").exists()
    handoffs = SessionHandoff.objects.filter(session__account=northwind)
    assert handoffs.filter(picked_up_at__isnull=True).count() == by_status["escalated"]  # the others wait
    assert not handoffs.filter(picked_up_at__lt=F("escalated_at")).exists()
    assert not sessions.filter(handoffs__picked_up_at__gt=F("resolved_at")).exists()
    assert handoffs.filter(picked_up_at__isnull=False).exists()

    from knowledge.models import FlowProposal

    proposals = FlowProposal.objects.for_account(northwind)
    pending_types = set(proposals.filter(status="pending").values_list("proposal_type", flat=True))
    assert pending_types == {"new_flow", "enhancement"}
    assert proposals.filter(status="pending").exclude(generalised=[]).exists()  # client specifics made role words
    assert proposals.filter(status="dismissed").count() == 1
    assert proposals.filter(status="auto_reinforced").exists()
    assert not AISession.objects.filter(account=northwind, analysis_status="pending").exists()

    call_command("seed_demo", quiet_logins=True)  # idempotent: nothing is added the second time
    assert AISession.objects.for_account(northwind).count() == sessions.count()
