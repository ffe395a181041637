"""The library page's Download .ps1 right after Generate: the same generation, not a second one in the history."""

import pytest

from resolutionflow.testing import HTMX
from resolutionflow.tests.factories import UserFactory
from scripts.models import ScriptGeneration
from scripts.tests.factories import ScriptGenerationFactory, ScriptTemplateFactory
from scripts.tests.test_configure_pages import BODY, SCHEMA

VALUES = {"sam_account_name": "jsmith", "new_password": "Hunter2", "unlock": "true", "mode": "Reset"}


@pytest.fixture
def reset(northwind):
    return ScriptTemplateFactory(
        account=northwind, name="Reset password", slug="reset", body=BODY, parameters_schema=SCHEMA
    )


def generate(client, template, values=VALUES) -> ScriptGeneration:
    response = client.post(f"/scripts/{template.pk}/generate/", values, **HTMX)
    assert response.status_code == 200
    generation = ScriptGeneration.objects.order_by("-created_at").first()
    assert f'<input type="hidden" name="generation-id" value="{generation.pk}">' in response.content.decode()
    return generation


def download(client, template, values=VALUES, **extra) -> str:
    response = client.post(f"/scripts/{template.pk}/download/", {**values, **extra})
    assert response.status_code == 200, response.content[:300]
    assert response["Cache-Control"] == "no-store, max-age=0"
    return response.content.decode("utf-8-sig")


def test_download_after_generate_reuses_the_generation_with_its_secret_in_the_file(engineer_client, reset):
    generation = generate(engineer_client, reset)

    script = download(engineer_client, reset, **{"generation-id": generation.pk})

    assert "'Hunter2'" in script and "'jsmith'" in script
    assert list(ScriptGeneration.objects.all()) == [generation]
    reset.refresh_from_db()
    assert reset.usage_count == 1


def test_download_after_changing_a_value_records_a_new_generation(engineer_client, reset):
    generation = generate(engineer_client, reset)

    script = download(
        engineer_client, reset, {**VALUES, "sam_account_name": "mgarcia"}, **{"generation-id": generation.pk}
    )

    assert "'mgarcia'" in script and ScriptGeneration.objects.count() == 2


def test_download_with_only_another_secret_is_still_the_same_generation(engineer_client, reset):
    """Secrets are never stored: the recorded generation (secrets redacted) is the same one."""
    generation = generate(engineer_client, reset)

    script = download(
        engineer_client, reset, {**VALUES, "new_password": "Other-pass1"}, **{"generation-id": generation.pk}
    )

    assert "'Other-pass1'" in script and ScriptGeneration.objects.count() == 1


def test_download_without_a_generation_records_one(engineer_client, reset):
    download(engineer_client, reset)

    assert ScriptGeneration.objects.count() == 1


def test_a_colleagues_generation_is_never_reused(engineer_client, reset, northwind, service_desk, northwind_engineer):
    colleague = UserFactory(account=northwind, team=service_desk)
    theirs = ScriptGenerationFactory(
        user=colleague, template=reset, parameters={"sam_account_name": "jsmith", "new_password": "<redacted>"}
    )

    download(engineer_client, reset, **{"generation-id": theirs.pk})

    mine = ScriptGeneration.objects.exclude(pk=theirs.pk).get()
    assert mine.user == northwind_engineer


def test_a_generation_of_an_older_template_version_is_not_reused(engineer_client, reset):
    generation = generate(engineer_client, reset)
    reset.version += 1
    reset.save(update_fields=["version"])

    download(engineer_client, reset, **{"generation-id": generation.pk})

    assert ScriptGeneration.objects.count() == 2


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "", "00000000-0000-0000-0000-000000000000"])
def test_a_malformed_or_unknown_generation_id_just_records_one(engineer_client, reset, bad_id):
    download(engineer_client, reset, **{"generation-id": bad_id})

    assert ScriptGeneration.objects.count() == 1
