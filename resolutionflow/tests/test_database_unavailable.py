"""When the database connection fails under a request (stopped, restarting, a failover), the answer is a 503
with Retry-After, not a 500: JSON from the API, a page for a browser, a toast for htmx. The fault for real
(the database stopped under gunicorn) is tests/faults/test_database_restart.py."""

import pytest
from django.db import InterfaceError, OperationalError

from flowpilot import selectors
from resolutionflow.api.errors import DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS
from resolutionflow.testing import HTMX, toast_of


@pytest.fixture
def database_gone(monkeypatch):
    def fail(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(selectors, "sessions", fail)


@pytest.fixture
def settings_production(settings):
    settings.DEBUG = False  # Django's error handlers answer only with DEBUG off (as in production)


def test_the_api_answers_503_with_retry_after(api_as, northwind_engineer, database_gone, settings_production):
    api = api_as(northwind_engineer)
    api.raise_request_exception = False

    response = api.get("/api/v1/ai-sessions")

    assert response.status_code == 503 and response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.json() == {"detail": DATABASE_UNAVAILABLE}


def test_a_page_answers_503_with_a_page_and_htmx_with_a_toast(
    client, northwind_engineer, database_gone, settings_production
):
    client.force_login(northwind_engineer)
    client.raise_request_exception = False

    page = client.get("/sessions/")
    piece = client.get("/sessions/", **HTMX)

    assert page.status_code == 503 and page["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "Back in a moment" in page.content.decode() and "<html" in page.content.decode()
    assert piece.status_code == 503 and piece.content == b""
    assert toast_of(piece) == {"level": "error", "message": DATABASE_UNAVAILABLE}


def test_an_interface_error_is_unavailable_too_and_other_errors_stay_500(
    api_as, northwind_engineer, monkeypatch, settings_production
):
    api = api_as(northwind_engineer)
    api.raise_request_exception = False

    def closed(*args, **kwargs):
        raise InterfaceError("connection already closed")

    monkeypatch.setattr(selectors, "sessions", closed)
    assert api.get("/api/v1/ai-sessions").status_code == 503

    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(selectors, "sessions", broken)
    response = api.get("/api/v1/ai-sessions")
    assert response.status_code == 500 and "Retry-After" not in response
