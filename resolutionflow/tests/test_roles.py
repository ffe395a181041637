import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory

from resolutionflow.permissions import IsAccountMember, IsTeamAdminOrOwner
from resolutionflow.tenancy import admin_required


@admin_required
def admin_page(request):
    return HttpResponse("ok")


def _request_as(user):
    request = RequestFactory().get("/x")
    request.user = user
    return request


def test_team_admins_and_owners_reach_admin_pages(northwind_admin, northwind_owner):
    assert admin_page(_request_as(northwind_admin)).status_code == 200
    assert admin_page(_request_as(northwind_owner)).status_code == 200


def test_engineers_are_refused_admin_pages_with_403(northwind_engineer):
    with pytest.raises(PermissionDenied):
        admin_page(_request_as(northwind_engineer))


def test_drf_permissions_follow_the_roles(northwind_engineer, northwind_admin, django_user_model, db):
    operator = django_user_model.objects.create_superuser(email="ops@platform.test", password="x")

    assert IsAccountMember().has_permission(_request_as(northwind_engineer), None)
    assert not IsAccountMember().has_permission(_request_as(operator), None)
    assert not IsTeamAdminOrOwner().has_permission(_request_as(northwind_engineer), None)
    assert IsTeamAdminOrOwner().has_permission(_request_as(northwind_admin), None)


def test_team_admins_administer_their_team_and_teamless_items_owners_all(
    northwind_admin, northwind_owner, northwind_engineer, service_desk, projects_team
):
    assert northwind_admin.can_administer_team(service_desk.pk)
    assert northwind_admin.can_administer_team(None)
    assert not northwind_admin.can_administer_team(projects_team.pk)
    assert northwind_owner.can_administer_team(projects_team.pk)
    assert not northwind_engineer.can_administer_team(service_desk.pk)
