import pytest
from django.http import Http404

from resolutionflow.models import Team
from resolutionflow.tenancy import access, scoped
from resolutionflow.testing import assert_foreign_404


def test_scoped_lists_only_the_users_account(northwind_engineer, service_desk, projects_team, contoso):
    Team.objects.create(account=contoso, name="Contoso Desk")

    names = set(scoped(Team, northwind_engineer).values_list("name", flat=True))

    assert names == {"Service Desk", "Projects"}


def test_a_user_without_an_account_sees_nothing(db, service_desk, django_user_model):
    operator = django_user_model.objects.create_superuser(email="ops@platform.test", password="x")

    assert scoped(Team, operator).count() == 0


def test_access_raises_404_for_another_accounts_object(contoso_owner, service_desk):
    with pytest.raises(Http404):
        access(Team, contoso_owner, service_desk.pk)


def test_access_raises_404_for_a_malformed_id(northwind_engineer):
    with pytest.raises(Http404):
        access(Team, northwind_engineer, "not-a-uuid")


def test_a_contoso_user_gets_404_on_a_northwind_team_page(contoso_owner, service_desk):
    response = assert_foreign_404(contoso_owner, f"/teams/{service_desk.pk}/")

    assert b"Service Desk" not in response.content


def test_a_contoso_user_gets_404_on_a_northwind_team_in_the_api(contoso_engineer, service_desk):
    response = assert_foreign_404(contoso_engineer, f"/api/v1/teams/{service_desk.pk}")

    assert "Service Desk" not in response.content.decode()


def test_a_northwind_user_reads_their_own_team_page(client, northwind_engineer, service_desk):
    client.force_login(northwind_engineer)

    response = client.get(f"/teams/{service_desk.pk}/")

    assert response.status_code == 200
    assert b"alex@northwind.test" in response.content


def test_the_team_list_api_counts_only_the_users_account(api_as, northwind_engineer, projects_team, contoso):
    Team.objects.create(account=contoso, name="Contoso Desk")

    response = api_as(northwind_engineer).get("/api/v1/teams")

    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert {t["name"] for t in response.json()["results"]} == {"Service Desk", "Projects"}


def test_the_foreign_404_helper_fails_when_the_object_is_visible(northwind_owner, service_desk):
    with pytest.raises(AssertionError):
        assert_foreign_404(northwind_owner, f"/api/v1/teams/{service_desk.pk}")


def test_pages_require_login(client, service_desk):
    response = client.get(f"/teams/{service_desk.pk}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_platform_operators_are_sent_to_the_admin_not_shown_account_pages(client, db, django_user_model):
    operator = django_user_model.objects.create_superuser(email="ops@platform.test", password="x")
    client.force_login(operator)

    assert client.get("/").status_code == 403
