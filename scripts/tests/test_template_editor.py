"""Admins create and edit their account's templates; built-ins are copied, never edited."""

import json

import pytest

from scripts.models import ScriptTemplate
from scripts.tests.factories import ScriptCategoryFactory, ScriptTemplateFactory


@pytest.fixture
def category(db):
    return ScriptCategoryFactory(slug="windows", name="Windows")


def form_data(category, **overrides):
    return {
        "name": "Restart the print server's spooler",
        "slug": "",
        "description": "",
        "category": str(category.pk),
        "team": "",
        "body": "$Server = {{server}}\r\nInvoke-Command -ComputerName $Server -ScriptBlock { Restart-Service Spooler }"
        "\r\n",
        "parameters_schema": json.dumps({"parameters": [{"key": "server", "type": "hostname", "required": True}]}),
        "is_active": "on",
        **overrides,
    }


def test_an_admin_creates_a_template(client, northwind_admin, category):
    client.force_login(northwind_admin)

    response = client.post("/scripts/new/", form_data(category))

    template = ScriptTemplate.objects.get(account=northwind_admin.account)
    assert response.status_code == 302 and response["Location"] == f"/scripts/{template.pk}/"
    assert template.slug == "restart-the-print-servers-spooler" and "\r" not in template.body


def test_an_unsafe_body_is_refused_with_the_reason_on_the_form(client, northwind_admin, category):
    client.force_login(northwind_admin)

    response = client.post(
        "/scripts/new/",
        form_data(category, body='Invoke-Command -ComputerName "{{server}}" -ScriptBlock { Restart-Service Spooler }'),
    )

    assert response.status_code == 422
    assert b"inside a double-quoted string" in response.content
    assert not ScriptTemplate.objects.exists()


def test_a_broken_schema_is_refused_on_the_form(client, northwind_admin, category):
    client.force_login(northwind_admin)

    response = client.post("/scripts/new/", form_data(category, parameters_schema='{"parameters": [{"key": "server"'))

    assert b"Not valid JSON" in response.content


def test_an_admin_edits_a_template_and_the_version_moves(client, northwind_admin, northwind, category):
    template = ScriptTemplateFactory(account=northwind, category=category)
    client.force_login(northwind_admin)

    response = client.post(f"/scripts/{template.pk}/edit/", form_data(category, slug=template.slug))

    template.refresh_from_db()
    assert response.status_code == 302 and template.version == 2 and template.name.startswith("Restart")


def test_engineers_cannot_create_or_edit(client, northwind_engineer, northwind, category):
    template = ScriptTemplateFactory(account=northwind, category=category)
    client.force_login(northwind_engineer)

    assert client.get("/scripts/new/").status_code == 403
    assert client.get(f"/scripts/{template.pk}/edit/").status_code == 403


def test_a_builtin_cannot_be_edited_but_can_be_copied(client, northwind_admin, category):
    builtin = ScriptTemplateFactory(account=None, category=category, slug="clear-print-spooler")
    client.force_login(northwind_admin)

    assert client.get(f"/scripts/{builtin.pk}/edit/").status_code == 403
    assert b"Copy to my account" in client.get(f"/scripts/{builtin.pk}/").content
    response = client.post(f"/scripts/{builtin.pk}/copy/")

    copy = ScriptTemplate.objects.get(account=northwind_admin.account)
    assert response.status_code == 302 and response["Location"] == f"/scripts/{copy.pk}/edit/"
    assert copy.slug == "clear-print-spooler" and copy.copied_from == builtin


def test_a_team_admin_cannot_edit_another_teams_template(
    client, northwind_admin, northwind, projects_team, northwind_owner
):
    template = ScriptTemplateFactory(account=northwind, team=projects_team)
    client.force_login(northwind_admin)
    assert client.get(f"/scripts/{template.pk}/edit/").status_code == 404  # not even visible to them
    client.force_login(northwind_owner)
    assert client.get(f"/scripts/{template.pk}/edit/").status_code == 200


def test_the_django_admin_runs_the_same_check(admin_client, northwind, category):
    response = admin_client.post(
        "/admin/scripts/scripttemplate/add/",
        {
            "account": str(northwind.pk),
            "name": "Bad",
            "slug": "bad",
            "category": str(category.pk),
            "body": "# {{server}}\n",
            "parameters_schema": json.dumps({"parameters": [{"key": "server", "type": "string"}]}),
            "is_active": "on",
            "usage_count": "0",
            "version": "1",
        },
    )

    assert response.status_code == 200 and b"inside a comment" in response.content
    assert not ScriptTemplate.objects.exists()
