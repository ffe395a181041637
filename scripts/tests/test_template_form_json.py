"""The template editor's parameter schema is JSON a person types: a NUL escape, NaN or nesting too deep is
a message on the form, never a 500, and a body that runs code it builds is refused there too."""

import json

import pytest

from scripts.models import ScriptTemplate
from scripts.tests.test_template_editor import category, form_data  # noqa: F401


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        (json.dumps({"parameters": [{"key": "server", "label": "Server\x00", "type": "hostname"}]}), b"NUL character"),
        ("[" * 5000 + "]" * 5000, b"more than 200 levels"),
        ('{"parameters": [{"key": "server", "type": "int", "default": NaN}]}', b"NaN is not a JSON number"),
    ],
)
def test_a_schema_the_database_could_not_store_is_a_form_error(client, northwind_admin, category, schema, message):  # noqa: F811
    client.force_login(northwind_admin)

    response = client.post("/scripts/new/", form_data(category, parameters_schema=schema))

    assert response.status_code == 422 and message in response.content
    assert not ScriptTemplate.objects.exists()


def test_a_body_that_runs_a_parameter_through_a_variable_is_refused_on_the_form(client, northwind_admin, category):  # noqa: F811
    client.force_login(northwind_admin)

    response = client.post(
        "/scripts/new/", form_data(category, body="$Server = {{server}}\nInvoke-Expression $Server\n")
    )

    assert response.status_code == 422
    assert b"Invoke-Expression runs text as code" in response.content
    assert not ScriptTemplate.objects.exists()
