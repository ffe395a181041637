"""Sign-in lockout: per e-mail address and per client IP, with a cool-off, on the page, the admin and the API."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from resolutionflow.client_ip import client_ip
from resolutionflow.tests.factories import DEFAULT_PASSWORD, UserFactory

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
TOKEN = "/api/v1/auth/token"
LOCKED = "Too many failed sign-ins"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.LOGIN_FAILURE_LIMIT = 5
    settings.LOGIN_FAILURE_LIMIT_PER_IP = 20
    settings.LOGIN_COOLOFF_MINUTES = 15
    settings.TRUSTED_PROXY_COUNT = 0


@pytest.fixture(autouse=True)
def _no_throttles(settings):
    """The token endpoint's DRF throttles are tested in test_token_api; here only Axes answers."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def operator(db, django_user_model):
    return django_user_model.objects.create_superuser(email="ops@platform.test", password=DEFAULT_PASSWORD)


def sign_in(client, email, password="wrong", **headers):
    return client.post(LOGIN, {"username": email, "password": password}, **headers)


def fail(client, email, times, **headers):
    return [sign_in(client, email, **headers).status_code for _ in range(times)]


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# ── The page login ────────────────────────────────────────────────────────────────────────────────


def test_wrong_passwords_below_the_limit_answer_the_form(client, northwind_engineer):
    statuses = fail(client, "alex@northwind.test", 4)

    assert statuses == [200] * 4
    assert sign_in(client, "alex@northwind.test", DEFAULT_PASSWORD).status_code == 302
    assert is_signed_in(client)


def test_the_fifth_wrong_password_locks_the_email_and_the_form_says_so(client, northwind_engineer):
    statuses = fail(client, "alex@northwind.test", 5)

    assert statuses == [200, 200, 200, 200, 429]
    response = sign_in(client, "alex@northwind.test")
    assert response.status_code == 429
    content = response.content.decode()
    assert LOCKED in content and "15 minutes" in content
    assert response["Retry-After"] == "900"
    assert 'name="username"' in content  # the sign-in form, with the message as its error


def test_a_locked_email_is_refused_even_with_the_right_password(client, northwind_engineer):
    fail(client, "alex@northwind.test", 5)

    response = sign_in(client, "alex@northwind.test", DEFAULT_PASSWORD)

    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert not is_signed_in(client)


def test_the_email_counts_whatever_its_case_and_spacing(client, northwind_engineer):
    for email in ["Alex@Northwind.test", " alex@northwind.test", "ALEX@NORTHWIND.TEST", "alex@northwind.TEST"]:
        sign_in(client, email)

    assert sign_in(client, "alex@northwind.test").status_code == 429


def test_a_lockout_is_per_email_not_per_account(client, northwind_engineer, northwind_admin, northwind_owner):
    fail(client, "alex@northwind.test", 5)

    assert sign_in(client, "lead@northwind.test", DEFAULT_PASSWORD).status_code == 302


def test_a_successful_sign_in_forgets_that_emails_failures(client, northwind_engineer):
    fail(client, "alex@northwind.test", 4)
    sign_in(client, "alex@northwind.test", DEFAULT_PASSWORD)
    client.logout()

    assert fail(client, "alex@northwind.test", 4) == [200] * 4


def test_the_lock_lifts_after_the_cool_off(client, northwind_engineer):
    fail(client, "alex@northwind.test", 5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    assert sign_in(client, "alex@northwind.test", DEFAULT_PASSWORD).status_code == 302


def test_the_lock_holds_until_the_cool_off_is_over(client, northwind_engineer):
    fail(client, "alex@northwind.test", 5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=14))

    assert sign_in(client, "alex@northwind.test", DEFAULT_PASSWORD).status_code == 429


def test_the_cool_off_is_a_setting(client, northwind_engineer, settings):
    settings.LOGIN_COOLOFF_MINUTES = 60
    fail(client, "alex@northwind.test", 5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=59))

    response = sign_in(client, "alex@northwind.test", DEFAULT_PASSWORD)

    assert response.status_code == 429
    assert "60 minutes" in response.content.decode()


def test_a_looser_per_ip_limit_does_not_lock_an_email_early(client, northwind_engineer, settings):
    settings.LOGIN_FAILURE_LIMIT = 30
    settings.LOGIN_FAILURE_LIMIT_PER_IP = 40

    assert fail(client, "alex@northwind.test", 25) == [200] * 25


def test_many_emails_from_one_ip_lock_that_ip(client, northwind_engineer):
    for n in range(20):
        sign_in(client, f"guess{n}@northwind.test", REMOTE_ADDR="203.0.113.7")

    from_there = sign_in(client, "alex@northwind.test", DEFAULT_PASSWORD, REMOTE_ADDR="203.0.113.7")
    from_elsewhere = sign_in(client, "alex@northwind.test", DEFAULT_PASSWORD, REMOTE_ADDR="198.51.100.2")

    assert from_there.status_code == 429
    assert from_elsewhere.status_code == 302


def test_a_client_sent_x_forwarded_for_is_ignored_without_trusted_proxies(client, northwind_engineer):
    for n in range(20):
        sign_in(client, f"guess{n}@northwind.test", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")

    response = sign_in(
        client, "alex@northwind.test", DEFAULT_PASSWORD, REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="10.9.9.9"
    )

    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


def test_x_forwarded_for_is_honoured_behind_one_trusted_proxy(client, northwind_engineer, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for n in range(20):
        # The client wrote "6.6.6.6"; the proxy appended the address it saw.
        sign_in(client, f"guess{n}@northwind.test", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7", **proxy)

    locked = sign_in(client, "alex@northwind.test", DEFAULT_PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
    other_client = sign_in(
        client, "alex@northwind.test", DEFAULT_PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.7, 198.51.100.2", **proxy
    )

    assert locked.status_code == 429
    assert other_client.status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


# ── The client IP ─────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "6.6.6.6", "10.0.0.1"),
        (1, "", "10.0.0.1"),
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),
        (2, "6.6.6.6, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (3, "203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (1, "6.6.6.6, not-an-address", "10.0.0.1"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_ip_trusts_only_the_configured_proxies(settings, proxies, forwarded_for, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)

    assert client_ip(request) == expected


def test_api_throttles_identify_the_client_like_the_lockout(settings):
    from rest_framework.throttling import SimpleRateThrottle

    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6")

    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.TRUSTED_PROXY_COUNT == 0
    assert SimpleRateThrottle.get_ident(None, request) == "10.0.0.1"


# ── The Django admin login ────────────────────────────────────────────────────────────────────────


def test_the_admin_login_locks_after_the_limit_and_says_so(client, operator):
    statuses = [
        client.post(ADMIN_LOGIN, {"username": "ops@platform.test", "password": "wrong"}).status_code for _ in range(5)
    ]
    response = client.post(ADMIN_LOGIN, {"username": "ops@platform.test", "password": DEFAULT_PASSWORD})

    assert statuses == [200, 200, 200, 200, 429]
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert not is_signed_in(client)


# ── The token endpoint ────────────────────────────────────────────────────────────────────────────


def ask_token(api_client, email, password="wrong", **headers):
    return api_client.post(TOKEN, {"email": email, "password": password}, format="json", **headers)


def test_the_token_endpoint_locks_after_the_limit_with_a_json_message(api_client, northwind_engineer):
    statuses = [ask_token(api_client, "alex@northwind.test").status_code for _ in range(5)]
    response = ask_token(api_client, "alex@northwind.test", DEFAULT_PASSWORD)

    assert statuses == [401, 401, 401, 401, 429]
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert LOCKED in response.json()["detail"]
    assert "token" not in response.json()
    assert response["Retry-After"] == "900"


def test_page_and_token_failures_count_together(client, api_client, northwind_engineer):
    fail(client, "alex@northwind.test", 3)
    ask_token(api_client, "alex@northwind.test")
    ask_token(api_client, "alex@northwind.test")

    assert sign_in(client, "alex@northwind.test", DEFAULT_PASSWORD).status_code == 429
    assert ask_token(api_client, "alex@northwind.test", DEFAULT_PASSWORD).status_code == 429


def test_a_session_from_a_locked_page_login_never_reaches_the_api(client, northwind_engineer):
    fail(client, "alex@northwind.test", 5)
    sign_in(client, "alex@northwind.test", DEFAULT_PASSWORD)

    assert client.get("/api/v1/me").status_code == 401


# ── Unlocking ─────────────────────────────────────────────────────────────────────────────────────


@pytest.fixture
def locked_sam(client, northwind, service_desk):
    """A Northwind engineer locked out (not a persona the tests sign in as: signing in forgets failures)."""
    sam = UserFactory(email="sam@northwind.test", account=northwind, team=service_desk)
    fail(client, "sam@northwind.test", 5)
    return sam


def test_the_owner_sees_their_locked_out_users(client, locked_sam, northwind_owner):
    client.force_login(northwind_owner)

    response = client.get(reverse("sign-in-lockouts"))

    assert response.status_code == 200
    assert [u.email for u in response.context["locked_users"]] == ["sam@northwind.test"]
    assert response.context["locked_users"][0].failures == 5


def test_the_lockouts_page_reads_a_few_queries_however_many_are_locked(
    client, northwind, northwind_owner, django_assert_max_num_queries
):
    for n in range(8):
        UserFactory(email=f"locked{n}@northwind.test", account=northwind)
        fail(client, f"locked{n}@northwind.test", 5, REMOTE_ADDR=f"203.0.113.{n}")
    client.force_login(northwind_owner)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("sign-in-lockouts"))

    assert len(response.context["locked_users"]) == 8
    assert response.content.decode().count("locked0@northwind.test") >= 1


def test_users_below_the_limit_are_not_listed(client, northwind_engineer, northwind_owner):
    fail(client, "sam@northwind.test", 4)
    client.force_login(northwind_owner)

    assert client.get(reverse("sign-in-lockouts")).context["locked_users"] == []


def test_the_owner_unlocks_a_user_who_then_signs_in(client, locked_sam, northwind_owner):
    client.force_login(northwind_owner)

    response = client.post(reverse("sign-in-unlock", args=[locked_sam.pk]))

    assert response.status_code == 302
    assert client.get(reverse("sign-in-lockouts")).context["locked_users"] == []
    client.logout()
    assert sign_in(client, "sam@northwind.test", DEFAULT_PASSWORD).status_code == 302


def test_unlocking_someone_no_longer_locked_out_says_so(client, locked_sam, northwind_owner):
    client.force_login(northwind_owner)
    client.post(reverse("sign-in-unlock", args=[locked_sam.pk]))

    again = client.post(reverse("sign-in-unlock", args=[locked_sam.pk]), follow=True)

    assert "sam@northwind.test was not locked out: nothing to unlock." in again.content.decode()


def test_another_accounts_owner_cannot_see_or_unlock_our_users(client, locked_sam, contoso_owner):
    client.force_login(contoso_owner)

    assert client.get(reverse("sign-in-lockouts")).context["locked_users"] == []
    assert client.post(reverse("sign-in-unlock", args=[locked_sam.pk])).status_code == 404
    assert AccessAttempt.objects.filter(username="sam@northwind.test").exists()


@pytest.mark.parametrize("persona", ["northwind_engineer", "northwind_admin"])
def test_only_the_owner_may_unlock(client, locked_sam, persona, request):
    user = request.getfixturevalue(persona)
    client.force_login(user)

    assert client.get(reverse("sign-in-lockouts")).status_code == 403
    assert client.post(reverse("sign-in-unlock", args=[locked_sam.pk])).status_code == 403
    assert AccessAttempt.objects.filter(username="sam@northwind.test").exists()


def test_unlocking_is_a_post(client, locked_sam, northwind_owner):
    client.force_login(northwind_owner)

    assert client.get(reverse("sign-in-unlock", args=[locked_sam.pk])).status_code == 405


def test_an_operator_unlocks_in_the_django_admin(client, locked_sam, operator):
    client.force_login(operator)
    changelist = reverse("admin:axes_accessattempt_changelist")
    attempts = list(AccessAttempt.objects.filter(username="sam@northwind.test").values_list("pk", flat=True))

    response = client.post(
        changelist, {"action": "delete_selected", "_selected_action": attempts, "post": "yes"}, follow=True
    )

    assert response.status_code == 200
    client.logout()
    assert sign_in(client, "sam@northwind.test", DEFAULT_PASSWORD).status_code == 302


def test_the_owner_menu_links_to_the_locked_out_sign_ins(client, northwind_owner, northwind_engineer):
    client.force_login(northwind_owner)
    assert reverse("sign-in-lockouts") in client.get("/").content.decode()

    client.force_login(northwind_engineer)
    assert reverse("sign-in-lockouts") not in client.get("/").content.decode()


def test_a_new_user_with_a_factory_password_is_not_locked(client, db):
    """Tests and code that sign in without a request (Client.login) bypass the lockout, not break."""
    user = UserFactory(email="new@northwind.test")

    assert client.login(username=user.email, password=DEFAULT_PASSWORD)
