"""Personas shared by every app's tests: two accounts, so every test can ask "and the other MSP?"."""

import pytest

from resolutionflow.models import Role
from resolutionflow.tests.factories import AccountFactory, TeamFactory, UserFactory


@pytest.fixture
def northwind(db):
    return AccountFactory(name="Northwind IT", slug="northwind")


@pytest.fixture
def contoso(db):
    return AccountFactory(name="Contoso MSP", slug="contoso")


@pytest.fixture
def service_desk(northwind):
    return TeamFactory(account=northwind, name="Service Desk")


@pytest.fixture
def projects_team(northwind):
    return TeamFactory(account=northwind, name="Projects")


@pytest.fixture
def northwind_engineer(northwind, service_desk):
    return UserFactory(email="alex@northwind.test", account=northwind, team=service_desk, role=Role.ENGINEER)


@pytest.fixture
def northwind_admin(northwind, service_desk):
    return UserFactory(email="lead@northwind.test", account=northwind, team=service_desk, role=Role.TEAM_ADMIN)


@pytest.fixture
def northwind_owner(northwind):
    return UserFactory(email="owner@northwind.test", account=northwind, role=Role.OWNER)


@pytest.fixture
def contoso_owner(contoso):
    return UserFactory(email="owner@contoso.test", account=contoso, role=Role.OWNER)


@pytest.fixture
def contoso_engineer(contoso):
    return UserFactory(email="eng@contoso.test", account=contoso, role=Role.ENGINEER)


@pytest.fixture
def client_as(client):
    """`client_as(user)`: the test client signed in as the user (pages and htmx requests)."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def engineer_client(client_as, northwind_engineer):
    return client_as(northwind_engineer)


@pytest.fixture
def team_admin_client(client_as, northwind_admin):
    """Northwind's team admin signed in (pytest-django's `admin_client` is a Django-admin superuser)."""
    return client_as(northwind_admin)


@pytest.fixture
def owner_client(client_as, northwind_owner):
    return client_as(northwind_owner)


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def api_as(api_client):
    """`api_as(user)`: an API client authenticated with the user's token."""
    from rest_framework.authtoken.models import Token

    def login(user):
        token, _ = Token.objects.get_or_create(user=user)
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return api_client

    return login


def pytest_configure(config):
    from hypothesis import HealthCheck, settings

    # Two slow cores: no per-example deadline, a bounded number of examples.
    settings.register_profile("suite", deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow])
    settings.load_profile("suite")


@pytest.fixture
def fake_llm(monkeypatch):
    """`fake_llm(*replies)`: the product's LLM becomes Anthropic's real client talking to a fake API.

    Returns the FakeAnthropic, whose `.bodies()` are the requests the product sent.
    """
    from resolutionflow.ai import llm
    from resolutionflow.tests.fake_anthropic import FakeAnthropic, provider_for

    def install(*replies):
        fake = FakeAnthropic(*replies)
        monkeypatch.setattr(llm, "_provider", provider_for(fake))
        return fake

    yield install
    llm.reset_provider()
