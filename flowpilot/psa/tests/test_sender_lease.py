"""The sender's lease: an attempt starts only while its claim's lease runs (by the database's clock), and
each attempt renews it, so a push whose lease lapsed (another sender may hold it now) is never written."""

import pytest
from django.db import connection

from flowpilot import engine
from flowpilot.psa import links, sender
from flowpilot.psa.push_models import PsaPush, PushStatus
from flowpilot.psa.tests.memory_psa import memory_psa  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

NUMBER = "41233"


@pytest.fixture
def resolved(northwind, northwind_engineer, memory_psa):  # noqa: F811
    memory_psa.connect(northwind)
    memory_psa.add_ticket(NUMBER)
    session = links.start_session(northwind_engineer, "Outlook keeps asking for my password", ticket_id=NUMBER)
    engine.resolve_session(session, resolution_summary="Rebuilt the Outlook profile", worked_minutes=20)
    return memory_psa


def lapse(claim: sender.Claim) -> sender.Claim:
    """The claim as its holder knows it, its lease run out by the database's clock (the token unchanged)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE flowpilot_psapush SET lease_until = clock_timestamp() - interval '1 second' WHERE id = %s"
            " RETURNING lease_until",
            [claim.push_id],
        )
        (lease,) = cursor.fetchone()
    return sender.Claim(claim.push_id, lease)


def test_a_claim_whose_lease_ran_out_is_skipped_and_writes_nothing(resolved):
    claims = sender.claim_due_pushes(10)
    expired = lapse(claims[0])

    outcome = sender.send(expired, sender.Connectors())

    push = PsaPush.objects.get(pk=expired.push_id)
    assert outcome == "skipped"
    assert push.attempts == 0 and push.status == PushStatus.PENDING
    assert resolved.notes == [] and resolved.time_entries == []
    sender.release(claims[1:])


def test_a_lapsed_push_is_claimed_and_sent_once_by_the_next_sender(resolved):
    first = sender.claim_due_pushes(10)
    expired = lapse(first[0])
    second = sender.claim_due_pushes(10)  # the lapsed push is free again: another sender takes it

    assert [c.push_id for c in second] == [expired.push_id]
    assert sender.send(expired, sender.Connectors()) == "skipped"
    assert sender.send(second[0], sender.Connectors()) == "succeeded"
    assert len(resolved.notes) + len(resolved.time_entries) == 1
    assert PsaPush.objects.get(pk=expired.push_id).attempts == 1
    sender.release(first[1:])


def test_each_attempt_renews_the_lease_so_no_other_sender_claims_it_meanwhile(resolved, settings):
    settings.PSA_PUSH_LEASE_SECONDS = 1  # the batch's claim: nearly run out by the time the attempt writes
    claims = sender.claim_due_pushes(10)
    settings.PSA_PUSH_LEASE_SECONDS = 300
    seen = {}
    writing = resolved.add_note

    def add_note(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT extract(epoch FROM lease_until - clock_timestamp()) FROM flowpilot_psapush WHERE id = %s",
                [claims[0].push_id],
            )
            seen["lease_left"] = cursor.fetchone()[0]
        seen["claimed_meanwhile"] = sender.claim_due_pushes(10)
        return writing(*args, **kwargs)

    resolved.add_note = add_note
    connectors = sender.Connectors()

    assert sender.send(claims[0], connectors) == "succeeded"
    assert seen["lease_left"] > 250
    assert [c.push_id for c in seen["claimed_meanwhile"]] == []
    push = PsaPush.objects.get(pk=claims[0].push_id)
    assert push.status == PushStatus.SUCCEEDED and push.lease_until is None  # recorded with the renewed token
