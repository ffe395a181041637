import pytest
from django.core.cache import cache

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


def test_token_requests_are_throttled_per_email(api_client, northwind_engineer):
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
