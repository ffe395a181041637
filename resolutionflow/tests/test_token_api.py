import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.authtoken.models import Token

from resolutionflow.models import RateCount
from resolutionflow.tests.factories import DEFAULT_PASSWORD


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def test_good_credentials_get_a_token_that_works_on_the_api(api_client, northwind_engineer):
    response = api_client.post(
        "/api/v1/auth/token", {"email": "alex@northwind.test", "password": DEFAULT_PASSWORD}, format="json"
    )

    assert response.status_code == 200
    token = response.json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api_client.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["email"] == "alex@northwind.test"
    assert me.json()["account"] == "Northwind IT"


def test_the_email_is_case_insensitive(api_client, northwind_engineer):
    response = api_client.post(
        "/api/v1/auth/token", {"email": "Alex@Northwind.TEST", "password": DEFAULT_PASSWORD}, format="json"
    )

    assert response.status_code == 200


def test_a_wrong_password_gets_401(api_client, northwind_engineer):
    response = api_client.post(
        "/api/v1/auth/token", {"email": "alex@northwind.test", "password": "wrong"}, format="json"
    )

    assert response.status_code == 401
    assert "token" not in response.json()


def test_an_unknown_email_gets_401(api_client, db):
    response = api_client.post("/api/v1/auth/token", {"email": "nobody@x.test", "password": "x"}, format="json")

    assert response.status_code == 401


def test_a_missing_field_gets_400_with_field_errors(api_client, db):
    response = api_client.post("/api/v1/auth/token", {"email": "not-an-email"}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"email", "password"}


def test_an_api_call_without_a_token_gets_401(api_client, db):
    response = api_client.get("/api/v1/me")

    assert response.status_code == 401


def test_a_bad_token_gets_401(api_client, db):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    assert api_client.get("/api/v1/me").status_code == 401


def test_token_requests_are_throttled_per_email(api_client, northwind_engineer, settings):
    settings.LOGIN_FAILURE_LIMIT = 100  # the sign-in lockout (test_sign_in_lockout) would answer first
    statuses = [
        api_client.post(
            "/api/v1/auth/token", {"email": "alex@northwind.test", "password": "wrong"}, format="json"
        ).status_code
        for _ in range(11)
    ]

    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429


def test_the_browser_session_also_authenticates_the_api(client, northwind_engineer):
    client.force_login(northwind_engineer)

    assert client.get("/api/v1/me").status_code == 200


def get_token(api_client):
    response = api_client.post(
        "/api/v1/auth/token", {"email": "alex@northwind.test", "password": DEFAULT_PASSWORD}, format="json"
    )
    assert response.status_code == 200
    return response.json()


def test_the_token_says_when_it_expires(api_client, northwind_engineer, settings):
    settings.API_TOKEN_LIFETIME_HOURS = 24

    expires_at = get_token(api_client)["expires_at"]

    token = Token.objects.get(user=northwind_engineer)
    assert expires_at == (token.created + timedelta(hours=24)).isoformat().replace("+00:00", "Z")


def test_an_expired_token_gets_401(api_client, northwind_engineer, settings):
    settings.API_TOKEN_LIFETIME_HOURS = 24
    key = get_token(api_client)["token"]
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(hours=24, seconds=1))
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    response = api_client.get("/api/v1/me")

    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    assert response["WWW-Authenticate"] == "Token"


def test_a_token_within_its_lifetime_works(api_client, northwind_engineer, settings):
    settings.API_TOKEN_LIFETIME_HOURS = 24
    key = get_token(api_client)["token"]
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(hours=23))
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    assert api_client.get("/api/v1/me").status_code == 200


def test_a_new_token_replaces_the_old_one(api_client, northwind_engineer):
    old = get_token(api_client)["token"]
    new = get_token(api_client)["token"]

    assert new != old
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    assert api_client.get("/api/v1/me").status_code == 401
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {new}")
    assert api_client.get("/api/v1/me").status_code == 200


def test_a_rotated_token_starts_a_new_lifetime(api_client, northwind_engineer, settings):
    settings.API_TOKEN_LIFETIME_HOURS = 24
    Token.objects.create(user=northwind_engineer)
    Token.objects.filter(user=northwind_engineer).update(created=timezone.now() - timedelta(days=3))

    key = get_token(api_client)["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    assert api_client.get("/api/v1/me").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"email": "a" * 600 + "@example.test", "password": "x"},
        {"email": "ünïcode@exämple.test", "password": "x"},
        {"email": ["a@b.test"], "password": "x"},
        {"email": 12, "password": "x"},
        '{"email": "a\\ud800@example.test", "password": "x"}',
    ],
)
def test_any_email_a_client_sends_is_an_answer_not_a_server_error(api_client, db, body):
    """The per-e-mail throttle counts what was sent before the serializer validates it."""
    raw = body if isinstance(body, str) else json.dumps(body)
    response = api_client.post("/api/v1/auth/token", raw, content_type="application/json")

    assert response.status_code in (400, 401)


def test_a_long_email_is_still_throttled_per_email(api_client, db):
    email = "a" * 300 + "@example.test"
    statuses = [
        api_client.post("/api/v1/auth/token", {"email": email, "password": "x"}, format="json").status_code
        for _ in range(11)
    ]

    assert set(statuses) <= {400, 401, 429}  # the lockout may answer 429 before the throttle does
    assert statuses[10] == 429
    assert RateCount.objects.filter(key__startswith="sha256:", hits=11).exists()
