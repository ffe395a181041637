import pytest
from django.contrib import admin
from django.urls import reverse

from resolutionflow.tests.factories import LLMCallFactory


@pytest.fixture
def operator(db, django_user_model):
    return django_user_model.objects.create_superuser(email="ops@platform.test", password="x")


def test_every_model_has_an_admin_changelist_that_loads(client, operator, northwind_engineer):
    client.force_login(operator)
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url


def test_every_project_model_is_registered_in_the_admin():
    from django.apps import apps

    project_apps = {"resolutionflow", "knowledge", "flowpilot", "scripts", "analytics"}
    missing = [
        m.__name__
        for m in apps.get_models()
        if m._meta.app_label in project_apps and not m._meta.auto_created and m not in admin.site._registry
    ]
    assert missing == []


def test_llm_calls_are_summed_per_account_and_day_with_a_cost(client, operator, northwind, contoso, settings):
    settings.LLM_PRICE_INPUT_PER_MTOK = 3.0
    settings.LLM_PRICE_OUTPUT_PER_MTOK = 15.0
    LLMCallFactory.create_batch(2, account=northwind, input_tokens=100_000, output_tokens=10_000)
    LLMCallFactory(account=contoso, input_tokens=1_000, output_tokens=0)
    client.force_login(operator)

    response = client.get(reverse("admin:resolutionflow_llmcall_changelist"))

    rows = {row["account"]: row for row in response.context["usage_by_day"]}
    assert rows["Northwind IT"]["calls"] == 2
    assert rows["Northwind IT"]["input_tokens"] == 200_000
    assert rows["Northwind IT"]["cost"] == pytest.approx(0.6 + 0.3)
    assert rows["Contoso MSP"]["calls"] == 1
    assert b"Use per account and day" in response.content


def test_the_llm_call_summary_follows_the_account_filter(client, operator, northwind, contoso):
    LLMCallFactory(account=northwind)
    LLMCallFactory(account=contoso)
    client.force_login(operator)

    response = client.get(reverse("admin:resolutionflow_llmcall_changelist"), {"account__id__exact": northwind.pk})

    assert [row["account"] for row in response.context["usage_by_day"]] == ["Northwind IT"]
