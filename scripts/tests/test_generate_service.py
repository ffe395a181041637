"""services.generate: the one way a script is made, from the page, the API and a session."""

import inspect
import threading

import pytest
from django.db import connection

from flowpilot.tests.factories import AISessionFactory
from scripts import services
from scripts.errors import InvalidParameters, NotUsable
from scripts.models import ScriptGeneration
from scripts.tests.factories import ScriptTemplateFactory

RESET_SCHEMA = {
    "parameters": [
        {"key": "sam_account_name", "type": "sam_account_name", "required": True},
        {"key": "new_password", "type": "secret", "required": True},
    ]
}
RESET_BODY = (
    "$User = {{sam_account_name}}\n"
    "$Password = ConvertTo-SecureString -String {{new_password}} -AsPlainText -Force\n"
    "Set-ADAccountPassword -Identity $User -Reset -NewPassword $Password\n"
)


@pytest.fixture
def reset_template(northwind):
    return ScriptTemplateFactory(
        account=northwind, name="Reset password", body=RESET_BODY, parameters_schema=RESET_SCHEMA
    )


def test_generating_returns_the_full_script_and_stores_only_the_redacted_copy(northwind_engineer, reset_template):
    generation, script = services.generate(
        northwind_engineer, reset_template, params={"sam_account_name": "jsmith", "new_password": "Winter'26!"}
    )

    assert "-String 'Winter''26!'" in script
    stored = ScriptGeneration.objects.get(pk=generation.pk)
    assert "Winter" not in stored.script and "-String '<redacted>'" in stored.script
    assert stored.parameters == {"sam_account_name": "jsmith", "new_password": "<redacted>"}
    assert stored.account == northwind_engineer.account and stored.user == northwind_engineer
    assert stored.template_name == "Reset password" and stored.template_version == 1


def test_no_row_anywhere_holds_the_secret(northwind_engineer, reset_template):
    services.generate(
        northwind_engineer, reset_template, params={"sam_account_name": "jsmith", "new_password": "Pa55-Unique-9"}
    )

    with connection.cursor() as cursor:
        cursor.execute("SELECT script, parameters::text FROM scripts_scriptgeneration")
        rows = cursor.fetchall()
    assert rows and all("Pa55-Unique-9" not in column for row in rows for column in row)


def test_generating_counts_the_use(northwind_engineer, reset_template):
    for _ in range(3):
        services.generate(
            northwind_engineer, reset_template, params={"sam_account_name": "jsmith", "new_password": "x"}
        )

    reset_template.refresh_from_db()
    assert reset_template.usage_count == 3


@pytest.mark.serial  # threads racing on committed rows
@pytest.mark.django_db(transaction=True)
def test_concurrent_generations_all_count(northwind, northwind_engineer):
    template = ScriptTemplateFactory(account=northwind)
    errors = []

    def run():
        try:
            for _ in range(5):
                services.generate(northwind_engineer, template, params={"sam_account_name": "jsmith"})
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    template.refresh_from_db()
    assert errors == [] and template.usage_count == 20


def test_invalid_values_are_refused_and_nothing_is_stored(northwind_engineer, reset_template):
    with pytest.raises(InvalidParameters) as error:
        services.generate(northwind_engineer, reset_template, params={"sam_account_name": "a;b", "new_password": ""})

    assert set(error.value.errors) == {"sam_account_name", "new_password"}
    assert not ScriptGeneration.objects.exists()
    reset_template.refresh_from_db()
    assert reset_template.usage_count == 0


def test_a_generation_may_belong_to_an_ai_session_of_the_account(northwind_engineer, reset_template):
    session = AISessionFactory(engineer=northwind_engineer)

    generation, _ = services.generate(
        northwind_engineer,
        reset_template,
        params={"sam_account_name": "jsmith", "new_password": "x"},
        ai_session=session,
    )

    assert generation.ai_session == session


def test_an_ai_session_of_another_account_is_refused(northwind_engineer, contoso_engineer, reset_template):
    foreign = AISessionFactory(engineer=contoso_engineer)

    with pytest.raises(NotUsable):
        services.generate(
            northwind_engineer,
            reset_template,
            params={"sam_account_name": "jsmith", "new_password": "x"},
            ai_session=foreign,
        )


def test_another_accounts_template_is_refused(contoso_engineer, reset_template):
    with pytest.raises(NotUsable):
        services.generate(contoso_engineer, reset_template, params={"sam_account_name": "jsmith", "new_password": "x"})


def test_another_teams_template_is_refused_but_its_owner_may_use_it(
    northwind, northwind_engineer, northwind_owner, projects_team
):
    template = ScriptTemplateFactory(account=northwind, team=projects_team)

    with pytest.raises(NotUsable):
        services.generate(northwind_engineer, template, params={"sam_account_name": "jsmith"})
    services.generate(northwind_owner, template, params={"sam_account_name": "jsmith"})


def test_an_inactive_template_is_refused(northwind, northwind_engineer):
    template = ScriptTemplateFactory(account=northwind, is_active=False)

    with pytest.raises(NotUsable):
        services.generate(northwind_engineer, template, params={"sam_account_name": "jsmith"})


def test_a_builtin_is_usable_by_every_account(contoso_engineer):
    builtin = ScriptTemplateFactory(account=None, slug="ad-unlock-user")

    generation, script = services.generate(contoso_engineer, builtin, params={"sam_account_name": "jsmith"})

    assert generation.account == contoso_engineer.account and "'jsmith'" in script


def test_a_foreign_template_is_refused_before_its_values_are_read(contoso_engineer, reset_template):
    with pytest.raises(NotUsable):
        services.generate(contoso_engineer, reset_template, params={"sam_account_name": "a/b"})


@pytest.mark.parametrize("service", [services.generate, services.generate_again])
def test_generation_services_take_the_values_by_keyword(service):
    parameters = list(inspect.signature(service).parameters.values())

    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters[2:])
