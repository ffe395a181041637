""" "My open tickets" by the engineer's PSA identity: a ConnectWise member known by id only is enough, and an
engineer with no identity is told to have one set rather than shown an empty list."""

import pytest

from flowpilot.psa import connection as connections
from flowpilot.psa.connectors import connector_for
from flowpilot.psa.connectors.base import Identity, Provider, PsaIdentityMissing
from flowpilot.psa.tests.factories import PsaUserIdentityFactory, connection_for_config

pytestmark = pytest.mark.django_db

CW = Provider.CONNECTWISE
URL = "/sessions/new/open-tickets/"


def test_a_connectwise_member_id_alone_lists_the_members_open_tickets(fake_psa):
    engineer = fake_psa.identity(CW)
    mine = {t.summary for t in fake_psa.tickets(CW) if t.owner == engineer and not t.closed}

    with connector_for(fake_psa.config(CW)) as connector:
        listed = connector.open_tickets(Identity(member_id=engineer.member_id))

    assert mine and {t.summary for t in listed} == mine


@pytest.mark.parametrize("member_id", ["", "12 or 1=1", "１２"])
def test_no_usable_connectwise_member_is_a_missing_identity(fake_psa, member_id):
    with connector_for(fake_psa.config(CW)) as connector, pytest.raises(PsaIdentityMissing):
        connector.open_tickets(Identity(member_id=member_id))

    assert fake_psa.requests("GET", "*/service/tickets") == []


def test_the_intake_lists_the_tickets_of_an_engineer_mapped_by_member_id_only(client, northwind_engineer, fake_psa):
    connection_for_config(northwind_engineer.account, fake_psa.config(CW))
    engineer = fake_psa.identity(CW)
    PsaUserIdentityFactory(user=northwind_engineer, member_id=engineer.member_id)
    mine = next(t for t in fake_psa.tickets(CW) if t.owner == engineer and not t.closed)
    client.force_login(northwind_engineer)

    response = client.get(URL, HTTP_HX_REQUEST="true")

    assert response.status_code == 200 and mine.summary in response.content.decode()


@pytest.mark.parametrize("provider", list(Provider))
def test_an_engineer_without_a_psa_identity_is_told_to_have_it_set(client, northwind_engineer, fake_psa, provider):
    connection_for_config(northwind_engineer.account, fake_psa.config(provider))  # no default identity either
    assert connections.identity_of(northwind_engineer.account, northwind_engineer) is None
    client.force_login(northwind_engineer)

    response = client.get(URL, HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Your PSA identity is not set" in page and "could not be reached" not in page
