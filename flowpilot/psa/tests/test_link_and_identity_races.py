"""Two requests at once on the same session's link, or the same engineer's PSA identity: both answer, one row.
A pause before the write makes the race certain (each would otherwise insert its own row)."""

import threading
import time

import pytest
from django.db import connection

from flowpilot.psa import connection as connections
from flowpilot.psa import links
from flowpilot.psa.models import PsaUserIdentity
from flowpilot.psa.push_models import TicketLink
from flowpilot.psa.tests.memory_psa import memory_psa  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)
NUMBER = "41233"


def at_once(*calls):
    """Run each call in its own thread (and connection), started together; returns the errors raised."""
    start, errors = threading.Barrier(len(calls)), []

    def run(call):
        start.wait()
        try:
            call()
        except Exception as error:  # an IntegrityError here is the race
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def slowed(monkeypatch, owner, name):
    original = getattr(owner, name)

    def slow(*args, **kwargs):
        time.sleep(0.3)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, slow)


def test_two_links_of_one_session_at_once_make_one_link(northwind, northwind_engineer, memory_psa, monkeypatch):  # noqa: F811
    memory_psa.connect(northwind)
    memory_psa.add_ticket(NUMBER)
    session = links.start_session(northwind_engineer, "Outlook keeps asking for my password")
    slowed(monkeypatch, links, "_save_link")

    link = lambda: links.link_ticket(session, NUMBER, user=northwind_engineer)  # noqa: E731
    errors = at_once(link, link)

    assert errors == []
    assert TicketLink.objects.filter(session=session).count() == 1


def test_two_first_saves_of_an_identity_at_once_make_one_row(northwind, northwind_engineer, monkeypatch):
    slowed(monkeypatch, PsaUserIdentity, "save")

    save = lambda: connections.save_identity(northwind, northwind_engineer, {"member_id": "42"})  # noqa: E731
    errors = at_once(save, save)

    assert errors == []
    assert PsaUserIdentity.objects.filter(user=northwind_engineer).count() == 1
