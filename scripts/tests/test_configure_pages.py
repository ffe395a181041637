"""The configure pane: the form from the schema, the live preview, generate, download."""

import html
import re

import pytest

from resolutionflow.testing import HTMX, assert_foreign_404, hx_triggers
from scripts.models import ScriptGeneration
from scripts.tests.factories import ScriptTemplateFactory

SCHEMA = {
    "parameters": [
        {"key": "sam_account_name", "label": "User logon name", "type": "sam_account_name", "required": True},
        {"key": "new_password", "label": "New password", "type": "secret", "required": True},
        {"key": "unlock", "label": "Unlock too", "type": "bool", "default": True},
        {"key": "mode", "label": "Mode", "type": "choice", "choices": ["Reset", "Expire"], "default": "Reset"},
    ]
}
BODY = (
    "$User = {{sam_account_name}}\n"
    "$Password = ConvertTo-SecureString -String {{new_password}} -AsPlainText -Force\n"
    "$Unlock = {{unlock}}\n$Mode = {{mode}}\n"
)


def text_of(response) -> str:
    """The page's text as a reader sees it: tags (Pygments' spans) removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", response.content.decode()))


@pytest.fixture
def reset(northwind):
    return ScriptTemplateFactory(
        account=northwind, name="Reset password", slug="reset", body=BODY, parameters_schema=SCHEMA
    )


def test_the_pane_draws_a_field_per_parameter_and_a_preview(client, northwind_engineer, reset):
    client.force_login(northwind_engineer)

    response = client.get(f"/scripts/{reset.pk}/")

    content = response.content.decode()
    assert response.status_code == 200
    assert 'name="sam_account_name"' in content and 'type="password"' in content
    assert 'type="checkbox" id="param-unlock" name="unlock" value="true" checked' in content
    assert '<option value="Reset" selected>' in content
    assert 'hx-trigger="input changed delay:300ms, change"' in content
    assert "$User = {{sam_account_name}}" in text_of(response)  # the preview, before anything is typed


def test_an_error_answer_is_not_cached_either(client, northwind_engineer, reset):
    client.force_login(northwind_engineer)

    response = client.post(f"/scripts/{reset.pk}/generate/", {"new_password": "Hunter2"}, **HTMX)

    assert response["Cache-Control"] == "no-store, max-age=0" and 'hx-history="false"' in response.content.decode()


def test_a_link_may_prefill_values_but_never_a_secret(client, northwind_engineer, reset):
    client.force_login(northwind_engineer)

    content = client.get(f"/scripts/{reset.pk}/", {"sam_account_name": "jsmith", "new_password": "x1"}).content.decode()

    assert 'value="jsmith"' in content and 'value="x1"' not in content


def test_a_flow_links_by_slug_to_the_most_specific_template(client, northwind_engineer, reset):
    client.force_login(northwind_engineer)

    response = client.get("/scripts/t/reset/", {"sam_account_name": "jsmith"})

    assert response.status_code == 302 and response["Location"] == f"/scripts/{reset.pk}/?sam_account_name=jsmith"
    assert client.get("/scripts/t/no-such-script/").status_code == 404


def test_the_preview_rerenders_with_valid_values_and_masks_secrets(client, northwind_engineer, reset):
    client.force_login(northwind_engineer)

    response = client.post(
        f"/scripts/{reset.pk}/preview/",
        {"sam_account_name": "o'brien", "new_password": "Hunter2", "mode": "Expire"},
        **HTMX,
    )

    text = text_of(response)
    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert "$User = 'o''brien'" in text
    assert "Hunter2" not in text and "-String '<redacted>'" in text
    assert "$Unlock = $false" in text  # the unchecked box
    assert "$Mode = 'Expire'" in text
    assert not ScriptGeneration.objects.exists()


def test_the_preview_is_escaped(client, northwind_engineer, northwind):
    template = ScriptTemplateFactory(
        account=northwind,
        body="$Note = {{note}}\n",
        parameters_schema={"parameters": [{"key": "note", "type": "string"}]},
    )
    client.force_login(northwind_engineer)

    response = client.post(f"/scripts/{template.pk}/preview/", {"note": "<script>alert(1)</script>"})

    assert b"<script>alert" not in response.content and b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content


def test_generating_shows_the_full_script_once_and_is_never_cached(client, northwind_engineer, reset):
    client.force_login(northwind_engineer)

    response = client.post(
        f"/scripts/{reset.pk}/generate/",
        {"sam_account_name": "jsmith", "new_password": "Hunter2", "unlock": "true", "mode": "Reset"},
        **HTMX,
    )

    content = response.content.decode()
    assert response.status_code == 200 and "Generated script" in content
    assert "-String 'Hunter2'" in text_of(response) and 'id="generated-script"' in content
    assert response["Cache-Control"] == "no-store, max-age=0"
    assert "toast" in hx_triggers(response)
    assert 'value="Hunter2"' in content  # only in this answer (no-store), so Download works without retyping
    generation = ScriptGeneration.objects.get()
    assert "Hunter2" not in generation.script and generation.parameters["new_password"] == "<redacted>"


def test_generating_without_javascript_renders_the_whole_page(client, northwind_engineer, reset):
    client.force_login(northwind_engineer)

    response = client.post(f"/scripts/{reset.pk}/generate/", {"sam_account_name": "jsmith", "new_password": "x"})

    assert response.status_code == 200 and b"<html" in response.content and b"Generated script" in response.content


def test_invalid_values_are_shown_on_their_fields(client, northwind_engineer, reset):
    client.force_login(northwind_engineer)

    response = client.post(f"/scripts/{reset.pk}/generate/", {"sam_account_name": "a/b", "new_password": ""}, **HTMX)

    content = response.content.decode()
    assert 'id="param-sam_account_name-error"' in content and 'aria-invalid="true"' in content
    assert "This parameter is required." in content
    assert not ScriptGeneration.objects.exists()


def test_download_returns_a_ps1_with_a_bom_and_records_a_redacted_generation(client, northwind_engineer, reset):
    client.force_login(northwind_engineer)

    response = client.post(
        f"/scripts/{reset.pk}/download/", {"sam_account_name": "jsmith", "new_password": "Pa\u2019ss", "unlock": "true"}
    )

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="reset.ps1"'
    assert response["Cache-Control"] == "no-store, max-age=0"
    assert response.content.startswith(b"\xef\xbb\xbf")
    script = response.content.decode("utf-8-sig")
    assert "-String 'Pa\u2019\u2019ss'" in script and "$Unlock = $true" in script
    assert "Pa\u2019" not in ScriptGeneration.objects.get().script


def test_download_with_invalid_values_shows_the_form_again(client, northwind_engineer, reset):
    client.force_login(northwind_engineer)

    response = client.post(f"/scripts/{reset.pk}/download/", {"sam_account_name": ""})

    assert response.status_code == 422 and b"This parameter is required." in response.content


def test_another_account_gets_404_on_every_template_url(contoso_owner, reset):
    for suffix in ("", "edit/"):
        assert_foreign_404(contoso_owner, f"/scripts/{reset.pk}/{suffix}")
    for suffix in ("preview/", "generate/", "download/", "copy/"):
        assert_foreign_404(contoso_owner, f"/scripts/{reset.pk}/{suffix}", method="post")


def test_another_teams_template_is_404(client, northwind, northwind_engineer, projects_team):
    other = ScriptTemplateFactory(account=northwind, team=projects_team)
    client.force_login(northwind_engineer)

    assert client.get(f"/scripts/{other.pk}/").status_code == 404


def test_an_inactive_template_cannot_generate(client, northwind_admin, northwind):
    template = ScriptTemplateFactory(account=northwind, is_active=False)
    client.force_login(northwind_admin)

    assert client.get(f"/scripts/{template.pk}/").status_code == 200
    assert client.post(f"/scripts/{template.pk}/generate/", {"sam_account_name": "jsmith"}).status_code == 404
