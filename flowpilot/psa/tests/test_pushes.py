"""Pushes: written with the resolve or escalate, sent once by the sender, retried, given up, retried by hand."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from flowpilot import engine
from flowpilot.models import AISession
from flowpilot.psa import links, sender, services
from flowpilot.psa.connectors.base import PsaAuthError, PsaRateLimited, PsaServerError, PsaTimeout
from flowpilot.psa.push_models import LinkStatus, PsaPush, PushKind, PushStatus, TicketLink
from flowpilot.psa.tests.memory_psa import memory_psa  # noqa: F401 (a fixture)

NUMBER = "41233"


def linked_session(engineer, text="Outlook keeps asking for my password"):
    return links.start_session(engineer, text, ticket_id=NUMBER)


def due_now():
    """Backoff elapsed: every waiting push is due."""
    PsaPush.objects.exclude(status__in=[PushStatus.SUCCEEDED, PushStatus.DEAD]).update(next_attempt_at=timezone.now())


def test_resolve_writes_a_note_and_a_time_entry_push_in_its_transaction(northwind_engineer, connected):
    session = linked_session(northwind_engineer)

    engine.resolve_session(session, resolution_summary="Rebuilt the Outlook profile", worked_minutes=25)

    pushes = list(PsaPush.objects.filter(session=session).order_by("id"))
    assert [p.kind for p in pushes] == [PushKind.NOTE, PushKind.TIME_ENTRY]
    assert all(p.status == PushStatus.PENDING and p.account_id == session.account_id for p in pushes)
    assert pushes[0].payload == {"internal": False, "resolution": True}  # its text is read when it is sent
    assert pushes[1].payload["hours"] == "0.42" and pushes[1].engineer == northwind_engineer
    assert connected.notes == [] and connected.time_entries == []  # nothing is sent inside the resolve


def test_the_queued_pushes_are_the_rows_stored(northwind_engineer, connected):
    """The resolve's pushes are written by one hand-made INSERT: what it returns is what the table holds,
    every column (the model's defaults included) as the ORM reads it back."""
    session = engine.start_session(northwind_engineer, "VPN drops every hour")
    TicketLink.objects.create(account=session.account, session=session, provider="connectwise", number=NUMBER)
    with transaction.atomic():
        queued = services.queue_resolve_pushes(session, worked_minutes=30)

    stored = {push.pk: push for push in PsaPush.objects.filter(session=session)}
    assert len(queued) == 2 and set(stored) == {push.pk for push in queued}
    columns = [field.attname for field in PsaPush._meta.concrete_fields]
    for push in queued:
        assert {c: getattr(push, c) for c in columns} == {c: getattr(stored[push.pk], c) for c in columns}
        assert not push._state.adding
    assert stored[queued[0].pk].marker.startswith("[ResolutionFlow ref ")


def test_a_resolve_with_a_ticket_link_reads_and_writes_as_often_as_one_without(
    northwind_engineer, connected, django_assert_max_num_queries
):
    """The link check and the pushes' insert are one statement: a push never slows a resolve
    (bench/psa_resolve.py measures it)."""
    plain = links.start_session(northwind_engineer, "Printer offline on floor 2")
    with CaptureQueriesContext(connection) as without:
        engine.resolve_session(plain, resolution_summary="Restarted the spooler")
    linked = linked_session(northwind_engineer)

    with django_assert_max_num_queries(len(without)):
        engine.resolve_session(linked, resolution_summary="Rebuilt the Outlook profile")

    assert PsaPush.objects.filter(session=linked).count() == 2


def test_resolve_sends_the_documentation_note_and_the_time_entry_to_the_ticket(northwind_engineer, connected):
    session = linked_session(northwind_engineer)
    session = engine.resolve_session(session, resolution_summary="Rebuilt the Outlook profile", worked_minutes=45)

    results = sender.send_due_pushes()

    assert results["succeeded"] == 2
    [note] = connected.notes
    [entry] = connected.time_entries
    assert note["ticket_id"] == f"id-{NUMBER}" and note["resolution"] and not note["internal"]
    assert "Rebuilt the Outlook profile" in note["text"] and session.documentation in note["text"]
    assert entry["ticket_id"] == f"id-{NUMBER}" and entry["hours"] == Decimal("0.75")
    assert entry["end"] - entry["start"] == dt.timedelta(minutes=45)
    pushes = PsaPush.objects.filter(session=session)
    assert {p.status for p in pushes} == {PushStatus.SUCCEEDED}
    assert all(p.first_attempt_succeeded and p.external_id and p.sent_at for p in pushes)


def test_escalate_sends_the_handoff_as_an_internal_note(northwind_engineer, connected):
    session = linked_session(northwind_engineer)
    engine.escalate_session(session, reason="Needs the Exchange admin")

    sender.send_due_pushes()

    [push] = PsaPush.objects.filter(session=session)
    assert push.kind == PushKind.HANDOFF_NOTE and push.status == PushStatus.SUCCEEDED
    [note] = connected.notes
    assert note["internal"] and not note["resolution"] and "Needs the Exchange admin" in note["text"]
    assert connected.time_entries == []


def test_a_session_without_a_ticket_link_pushes_nothing(northwind_engineer, connected):
    session = links.start_session(northwind_engineer, "Printer offline on floor 2")
    engine.resolve_session(session, resolution_summary="Restarted the spooler")

    assert not PsaPush.objects.filter(session=session).exists()


def test_nothing_is_pushed_to_an_unverified_link_until_the_ticket_is_read(northwind_engineer, connected):
    connected.unreachable = True
    session = linked_session(northwind_engineer)
    assert session.ticket_link.status == LinkStatus.UNVERIFIED
    engine.resolve_session(session, resolution_summary="Rebuilt the Outlook profile")

    sender.send_due_pushes()

    assert connected.notes == [] and connected.time_entries == []
    assert set(PsaPush.objects.values_list("status", "attempts")) == {(PushStatus.PENDING, 0)}

    connected.unreachable = False
    AISession.objects.get(pk=session.pk).ticket_link.__class__.objects.update(checked_at=None)
    results = sender.send_due_pushes()

    assert results["links_verified"] == 1 and results["succeeded"] == 2
    assert [n["ticket_id"] for n in connected.notes] == [f"id-{NUMBER}"]


def test_a_link_the_psa_does_not_know_receives_nothing(northwind_engineer, connected):
    connected.unreachable = True
    session = links.start_session(northwind_engineer, "Outlook prompts", ticket_id="99999")
    engine.resolve_session(session, resolution_summary="Rebuilt the Outlook profile")
    connected.unreachable = False
    session.ticket_link.__class__.objects.update(checked_at=None)

    sender.send_due_pushes()

    session.ticket_link.refresh_from_db()
    assert session.ticket_link.status == LinkStatus.NOT_FOUND
    assert connected.notes == [] and connected.time_entries == []


def test_a_500_then_success_is_a_retry_success(northwind_engineer, connected):
    session = linked_session(northwind_engineer)
    engine.resolve_session(session, resolution_summary="Rebuilt the Outlook profile")
    connected.fail_next("add_note", PsaServerError("The PSA answered 500.", status=500))

    assert sender.send_due_pushes() == {"succeeded": 1, "retry": 1}
    note = PsaPush.objects.get(kind=PushKind.NOTE)
    assert note.status == PushStatus.FAILED and note.next_attempt_at > timezone.now()
    assert "500" in note.last_error

    due_now()
    sender.send_due_pushes()

    note.refresh_from_db()
    assert note.status == PushStatus.SUCCEEDED and note.first_attempt_succeeded is False and note.attempts == 2
    assert len(connected.notes) == 1


def test_a_timeout_after_the_psa_stored_the_note_writes_no_second_note_or_time_entry(northwind_engineer, connected):
    session = linked_session(northwind_engineer)
    engine.resolve_session(session, resolution_summary="Rebuilt the Outlook profile")
    connected.fail_next("add_note", PsaTimeout("The PSA did not answer in time."), after_storing=True)
    connected.fail_next("log_time", PsaTimeout("The PSA did not answer in time."), after_storing=True)

    sender.send_due_pushes()
    due_now()
    sender.send_due_pushes()

    assert len(connected.notes) == 1 and len(connected.time_entries) == 1
    assert set(PsaPush.objects.values_list("status", flat=True)) == {PushStatus.SUCCEEDED}
    note = PsaPush.objects.get(kind=PushKind.NOTE)
    assert note.external_id == connected.notes[0]["id"]
    assert connected.calls.count("add_note") == 1 and connected.calls.count("find_note") == 1


def test_a_rate_limited_push_waits_at_least_retry_after(northwind_engineer, connected):
    session = linked_session(northwind_engineer)
    engine.escalate_session(session, reason="Needs the Exchange admin")
    connected.fail_next("add_note", PsaRateLimited("Slow down.", retry_after=900))

    sender.send_due_pushes()

    push = PsaPush.objects.get()
    assert push.status == PushStatus.FAILED
    assert push.next_attempt_at >= timezone.now() + dt.timedelta(seconds=890)


def test_backoff_doubles_with_jitter_and_is_capped(settings):
    settings.PSA_PUSH_BACKOFF_SECONDS = 10
    settings.PSA_PUSH_BACKOFF_MAX_SECONDS = 60
    first = [sender.backoff_seconds(1) for _ in range(50)]
    third = [sender.backoff_seconds(3) for _ in range(50)]
    late = [sender.backoff_seconds(9) for _ in range(50)]

    assert all(5 <= d <= 10 for d in first) and len(set(first)) > 1
    assert all(20 <= d <= 40 for d in third)
    assert all(30 <= d <= 60 for d in late)


def test_after_the_last_attempt_a_push_is_dead(northwind_engineer, connected, settings):
    settings.PSA_PUSH_MAX_ATTEMPTS = 2
    session = linked_session(northwind_engineer)
    engine.escalate_session(session, reason="Needs the Exchange admin")
    connected.fail_next("add_note", PsaServerError("500", status=500))
    connected.fail_next("add_note", PsaServerError("502", status=502))

    sender.send_due_pushes()
    due_now()
    sender.send_due_pushes()

    push = PsaPush.objects.get()
    assert (push.status, push.attempts, push.next_attempt_at) == (PushStatus.DEAD, 2, None)
    assert connected.notes == []


def test_a_dead_push_is_retried_by_an_admin_and_then_sent_once(northwind_engineer, northwind_admin, connected, client):
    session = linked_session(northwind_engineer)
    engine.escalate_session(session, reason="Needs the Exchange admin")
    connected.fail_next("add_note", PsaAuthError("The PSA refused the credentials.", status=401))
    sender.send_due_pushes()
    push = PsaPush.objects.get()
    assert push.status == PushStatus.DEAD  # a retry cannot fix bad credentials: dead at once

    client.force_login(northwind_admin)
    listed = client.get("/psa/pushes/")
    assert listed.status_code == 200 and f"/psa/pushes/{push.pk}/retry/" in listed.content.decode()
    response = client.post(f"/psa/pushes/{push.pk}/retry/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Queued" in response["HX-Trigger"]

    sender.send_due_pushes()

    push.refresh_from_db()
    assert push.status == PushStatus.SUCCEEDED and push.first_attempt_succeeded is False
    assert len(connected.notes) == 1
    assert client.post(f"/psa/pushes/{push.pk}/retry/", HTTP_HX_REQUEST="true").status_code == 409


def test_an_engineer_cannot_retry_a_push(northwind_engineer, connected, client):
    session = linked_session(northwind_engineer)
    engine.escalate_session(session, reason="Needs the Exchange admin")
    PsaPush.objects.update(status=PushStatus.DEAD)
    client.force_login(northwind_engineer)

    assert client.post(f"/psa/pushes/{PsaPush.objects.get().pk}/retry/").status_code == 403
    assert PsaPush.objects.get().status == PushStatus.DEAD


def test_working_time_is_capped(northwind_engineer, connected, settings):
    settings.PSA_MAX_TIME_ENTRY_HOURS = 8
    session = linked_session(northwind_engineer)
    AISession.objects.filter(pk=session.pk).update(created_at=timezone.now() - dt.timedelta(hours=60))
    session.refresh_from_db()

    engine.resolve_session(session, resolution_summary="Fixed after the weekend")

    entry = PsaPush.objects.get(kind=PushKind.TIME_ENTRY)
    assert entry.payload["hours"] == "8.00"


def test_a_working_time_over_the_cap_is_refused(northwind_engineer, connected, settings):
    settings.PSA_MAX_TIME_ENTRY_HOURS = 2
    session = linked_session(northwind_engineer)

    with pytest.raises(engine.InvalidAnswer) as refused:
        engine.resolve_session(session, resolution_summary="Fixed", worked_minutes=121)

    assert refused.value.field == "worked_minutes"
    session.refresh_from_db()
    assert session.status == "active" and not PsaPush.objects.exists()


@pytest.mark.serial  # threads racing on committed rows
@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_never_send_a_push_twice(northwind_engineer, northwind, memory_psa):  # noqa: F811
    memory_psa.connect(northwind)
    memory_psa.add_ticket(NUMBER)
    for n in range(15):
        session = linked_session(northwind_engineer, f"Outlook prompt number {n}")
        engine.resolve_session(session, resolution_summary=f"Fixed {n}")
    assert PsaPush.objects.count() == 30
    results, errors = [], []

    def run():
        try:
            results.append(sender.send_due_pushes())
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(r["succeeded"] for r in results) == 30
    markers = [n["marker"] for n in memory_psa.notes] + [e["marker"] for e in memory_psa.time_entries]
    assert len(markers) == 30 and len(set(markers)) == 30
    assert set(PsaPush.objects.values_list("status", "attempts")) == {(PushStatus.SUCCEEDED, 1)}


def test_a_note_carries_the_documentation_as_it_is_when_sent(northwind_engineer, connected):
    session = linked_session(northwind_engineer)
    session = engine.resolve_session(session, resolution_summary="Moved the mailbox to server EXCH-07")
    assert "EXCH-07" in session.documentation
    hidden = session.documentation.replace("EXCH-07", "[hidden secret]")
    AISession.objects.filter(pk=session.pk).update(documentation=hidden)  # hidden on the session meanwhile

    sender.send_due_pushes()

    [note] = connected.notes
    assert hidden in note["text"] and "EXCH-07" not in note["text"]


def test_a_handoff_note_carries_its_escalations_handoff(northwind_engineer, connected):
    from flowpilot.models import SessionHandoff

    session = linked_session(northwind_engineer)
    engine.escalate_session(session, reason="Needs the Exchange admin")
    SessionHandoff.objects.filter(session=session).update(text="The hand-off, as it now reads")

    sender.send_due_pushes()

    [note] = connected.notes
    assert "The hand-off, as it now reads" in note["text"] and note["internal"]


def test_an_operator_retries_dead_pushes_from_the_django_admin(
    northwind_engineer, connected, client, django_user_model
):
    session = linked_session(northwind_engineer)
    engine.escalate_session(session, reason="Needs the Exchange admin")
    PsaPush.objects.update(status=PushStatus.DEAD, attempts=8, next_attempt_at=None)
    operator = django_user_model.objects.create_superuser(email="ops@platform.test", password="x")
    client.force_login(operator)

    response = client.post(
        "/admin/flowpilot/psapush/",
        {"action": "retry_now", "_selected_action": [str(p.pk) for p in PsaPush.objects.all()]},
    )

    assert response.status_code == 302
    assert PsaPush.objects.get().status == PushStatus.FAILED
    sender.send_due_pushes()
    assert PsaPush.objects.get().status == PushStatus.SUCCEEDED and len(connected.notes) == 1
