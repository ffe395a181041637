"""Saving and copying templates: admins only, the engine's check on save, versions, slugs, teams."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from scripts import services
from scripts.tests.factories import ScriptCategoryFactory, ScriptTemplateFactory

SCHEMA = {"parameters": [{"key": "user", "type": "upn", "required": True}]}


@pytest.fixture
def category(db):
    return ScriptCategoryFactory(slug="active-directory", name="Active Directory")


def save(user, **overrides):
    fields = {
        "name": "Revoke sessions",
        "body": "$User = {{user}}\nRevoke-MgUserSignInSession -UserId $User\n",
        "parameters_schema": SCHEMA,
        "category": overrides.pop("category"),
    }
    return services.save_template(user, **{**fields, **overrides})


def test_an_admin_creates_an_account_template_with_a_slug_from_its_name(northwind_admin, category):
    template = save(northwind_admin, category=category)

    assert template.account == northwind_admin.account and template.team is None
    assert template.slug == "revoke-sessions" and template.version == 1


def test_an_unsafe_body_is_refused_on_save(northwind_admin, category):
    with pytest.raises(ValidationError) as error:
        save(northwind_admin, category=category, body='Revoke-MgUserSignInSession -UserId "{{user}}"')

    assert "inside a double-quoted string" in error.value.message_dict["body"][0]


def test_an_engineer_may_not_create_templates(northwind_engineer, category):
    with pytest.raises(PermissionDenied):
        save(northwind_engineer, category=category)


def test_a_team_admin_may_not_put_a_template_in_another_team(northwind_admin, projects_team, category):
    with pytest.raises(PermissionDenied):
        save(northwind_admin, category=category, team=projects_team)


def test_changing_the_body_makes_a_new_version(northwind_admin, category):
    template = save(northwind_admin, category=category)

    template = save(northwind_admin, category=category, template=template, description="Only the text changed")
    assert template.version == 1
    template = save(
        northwind_admin,
        category=category,
        template=template,
        body="$U = {{user}}\nRevoke-MgUserSignInSession -UserId $U\n",
    )
    assert template.version == 2


def test_a_slug_is_unique_in_the_account(northwind_admin, category):
    save(northwind_admin, category=category, slug="revoke")

    with pytest.raises(ValidationError) as error:
        save(northwind_admin, category=category, slug="revoke", name="Other")
    assert "slug" in error.value.message_dict


def test_builtins_are_read_only(northwind_owner):
    builtin = ScriptTemplateFactory(account=None)

    with pytest.raises(PermissionDenied):
        save(northwind_owner, category=builtin.category, template=builtin)


def test_copying_a_builtin_keeps_its_slug_so_flows_use_the_copy(northwind_admin):
    builtin = ScriptTemplateFactory(account=None, slug="ad-unlock-user", name="Unlock an AD account")

    copy = services.copy_template(northwind_admin, builtin)
    second = services.copy_template(northwind_admin, builtin)

    assert copy.account == northwind_admin.account and copy.slug == "ad-unlock-user"
    assert copy.copied_from == builtin and copy.body == builtin.body and copy.usage_count == 0
    assert second.slug == "ad-unlock-user-copy"
