"""schemathesis over every operation of the API, in-process (the WSGI app), authenticated as an owner.

Each operation gets FUZZ_EXAMPLES generated requests (20 in `make test`, more in `make fuzz`), derandomized so
a run is repeatable. Every answer must be documented (status code, content type, body schema) and no answer is
a 5xx: the document describes errors too (resolutionflow/api/schema.py).
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi import checks

from flowpilot import engine
from flowpilot.tests.factories import lockout_flow
from knowledge.tests.factories import ProposalFactory
from resolutionflow.api.schema import ERROR_ANSWERS
from resolutionflow.models import Role
from resolutionflow.tests.factories import AccountFactory, TeamFactory, UserFactory
from scripts.tests.factories import ScriptGenerationFactory, ScriptTemplateFactory

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = get_wsgi_application()


@pytest.fixture
def in_process(db, settings):
    """Requests through the WSGI app inside the test's transaction: Django closes the database connection at
    the end of each request, unless (as its own test client does) that signal is held off."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]  # the host schemathesis's WSGI client sends
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def account_data(in_process):
    """An owner's token and one object of each kind a path names (so details, lists and filters have rows)."""
    account = AccountFactory(name="Fuzzed MSP", slug="fuzzed")
    team = TeamFactory(account=account, name="Desk")
    owner = UserFactory(email="owner@fuzzed.test", account=account, team=None, role=Role.OWNER)
    engineer = UserFactory(email="eng@fuzzed.test", account=account, team=team, role=Role.ENGINEER)
    flow = lockout_flow(account)
    template = ScriptTemplateFactory(account=account)
    session = engine.start_session(engineer, "Printer on floor 2 prints blank pages", prefer_capture=True)
    escalated = engine.escalate_session(
        engine.start_session(engineer, "VPN drops every hour", prefer_capture=True), reason="Needs the network team"
    )
    ids = {
        "/teams/": team.pk,
        "/flows/": flow.pk,
        "/flow-proposals/": ProposalFactory(engineer=engineer).pk,  # a new-flow proposal: no target flow
        "/ai-sessions/": session.pk,
        "/ai-sessions/{pk}/pick-up": escalated.pk,
        "/ai-sessions/{pk}/handoffs": escalated.pk,
        "/scripts/templates/": template.pk,
        "/scripts/generations/": ScriptGenerationFactory(user=owner, template=template).pk,
    }
    return Token.objects.create(user=owner).key, ids


def existing_object(path: str, ids: dict):
    """The account's object for an operation's `{pk}` (the most specific prefix), so details are reached."""
    matches = [prefix for prefix in ids if prefix in path or prefix.replace("{pk}", "") == path]
    return ids[max(matches, key=len)] if matches else None


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented_and_never_5xx(case, account_data):
    token, ids = account_data
    if case.path_parameters and "pk" in case.path_parameters:
        found = existing_object(case.path, ids)
        if found is not None:
            case.path_parameters["pk"] = str(found)
    case.call_and_validate(
        headers={"Authorization": f"Token {token}"},
        excluded_checks=[checks.positive_data_acceptance, checks.negative_data_rejection],
    )


# ── What the document says, checked directly (the fuzzer only meets what it happens to generate) ──────


def test_every_operation_documents_every_error_answer():
    document = SchemaGenerator().get_schema(request=None, public=True)
    missing = [
        f"{method.upper()} {path}: {code}"
        for path, item in document["paths"].items()
        for method, operation in item.items()
        for code in ERROR_ANSWERS
        if code not in operation["responses"]
    ]

    assert missing == []


def test_the_analytics_answers_are_typed_and_the_mttr_trend_is_a_list():
    document = SchemaGenerator().get_schema(request=None, public=True)
    components = document["components"]["schemas"]

    def answer(path):
        return document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]

    assert answer("/api/v1/analytics/flowpilot/mttr-trend")["type"] == "array"
    dashboard = components[answer("/api/v1/analytics/flowpilot")["$ref"].split("/")[-1]]
    assert {"mttr_trend", "sessions_by_domain", "confidence_breakdown", "knowledge_coverage"} <= set(
        dashboard["required"]
    )
    gaps = components[answer("/api/v1/analytics/knowledge-gaps")["$ref"].split("/")[-1]]
    assert set(gaps["properties"]) == {"generated_at", "gaps"}


def test_a_new_flow_proposal_names_no_target_flow_and_the_document_allows_it(api_as, northwind_admin):
    ProposalFactory(engineer=northwind_admin)
    document = SchemaGenerator().get_schema(request=None, public=True)
    summaries = [
        name
        for name, body in document["components"]["schemas"].items()
        if "target_flow_name" in body.get("properties", {})
    ]

    listed = api_as(northwind_admin).get("/api/v1/flow-proposals").json()["results"]

    assert listed[0]["target_flow_name"] is None
    assert summaries and all(
        document["components"]["schemas"][name]["properties"]["target_flow_name"]["nullable"] for name in summaries
    )


@pytest.mark.parametrize("parameter", ["q", "category", "search", "team", "ordering", "page", "page_size"])
def test_a_nul_in_any_filter_of_the_script_templates_is_a_400_not_a_500(api_as, northwind_owner, parameter):
    api = api_as(northwind_owner)
    api.raise_request_exception = False

    response = api.get("/api/v1/scripts/templates", {parameter: "a\x00b"})

    assert response.status_code == 400 and response["Content-Type"] == "application/json"
