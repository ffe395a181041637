"""No input answers 500: NUL characters anywhere in a request, JSON nested too deep, and the API's errors.

The NUL tests walk the URL resolver, so every route of the site, the API and the Django admin is covered,
including routes added later: path parameters are filled with objects made by factories.
"""

import json
import re
import uuid
from dataclasses import dataclass

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern
from rest_framework.authtoken.models import Token

from flowpilot.tests.factories import AISessionFactory
from knowledge import services as knowledge_services
from knowledge.models import Tree
from knowledge.tests.factories import ProposalFactory, TreeFactory, envelope
from resolutionflow import json_input
from resolutionflow.api import errors
from resolutionflow.middleware import NUL_REFUSED
from resolutionflow.tests.factories import UserFactory
from scripts.tests.factories import ScriptGenerationFactory, ScriptTemplateFactory

NUL_JSON = json.dumps({"q": "\x00", "name": "x"})  # json.dumps writes the \u0000 escape


@dataclass(frozen=True)
class Route:
    """One URL pattern: its route text (prefixes joined) and, per parameter, what fills it."""

    text: str
    parameters: dict  # name -> the regex the parameter must match, or a converter name
    callback: object

    @property
    def is_api(self) -> bool:
        return self.text.startswith("api/")


def all_routes() -> list[Route]:
    """Every URL pattern of the site, with its parameters, as the resolver sees them; the Django admin's
    last (a request the admin accepts may delete the objects other routes are filled with)."""
    return sorted(_routes(get_resolver().url_patterns, ""), key=lambda route: route.text.startswith("admin/"))


def _routes(patterns, prefix: str) -> list[Route]:
    routes = []
    for pattern in patterns:
        text = prefix + _route_text(pattern.pattern)
        if isinstance(pattern, URLResolver):
            routes += _routes(pattern.url_patterns, text)
        elif isinstance(pattern, URLPattern):
            routes.append(Route(text, _parameters(text), pattern.callback))
    return routes


def _route_text(pattern) -> str:
    text = str(pattern)
    return text.removeprefix("^").removesuffix("$") if isinstance(pattern, RegexPattern) else text


_PATH_PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
_REGEX_PARAMETER = re.compile(r"\(\?P<(?P<name>\w+)>(?P<regex>[^()]*)\)")


def _parameters(text: str) -> dict:
    found = {m["name"]: m["converter"] or "str" for m in _PATH_PARAMETER.finditer(text)}
    found.update({m["name"]: m["regex"] for m in _REGEX_PARAMETER.finditer(text)})
    return found


class Site:
    """Objects of one account made by factories, a signed-in user, and a URL for every route."""

    # The object a `pk` stands for, by the last literal segment before it.
    OBJECT_FOR_SEGMENT = {
        "teams": "team",
        "flows": "flow",
        "drafts": "draft",
        "review": "proposal",
        "flow-proposals": "proposal",
        "sessions": "session",
        "ai-sessions": "session",
        "scripts": "template",
        "templates": "template",
        "history": "generation",
        "generations": "generation",
    }

    def __init__(self, owner, engineer, team):
        flow = TreeFactory(account=owner.account, team=team)
        session = AISessionFactory(engineer=engineer)
        template = ScriptTemplateFactory(account=owner.account)
        self.objects = {
            "team": team,
            "flow": flow,
            "draft": knowledge_services.start_draft(owner, envelope(), target_flow=flow),
            "proposal": ProposalFactory(engineer=engineer),
            "session": session,
            "template": template,
            "generation": ScriptGenerationFactory(user=engineer, template=template),
            "owner": owner,
            "engineer": engineer,
            "operator": UserFactory(email="ops@resolutionflow.test", account=None, is_staff=True, is_superuser=True),
        }
        self.client = Client(raise_request_exception=False)
        self.sign_in()
        self.headers = {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=owner).key}"}

    def sign_in(self, route: Route | None = None) -> None:
        """The owner, or the platform operator for the Django admin's routes."""
        is_admin_route = route is not None and route.text.startswith("admin/")
        self.client.force_login(self.objects["operator" if is_admin_route else "owner"])

    def url(self, route: Route, override: str | None = None) -> str:
        """The route with each parameter filled (or every one set to `override`, already URL-encoded)."""
        text = route.text
        for name, kind in route.parameters.items():
            value = override or self._value(route, name, kind)
            text = _PATH_PARAMETER.sub(lambda m, n=name, v=value: v if m["name"] == n else m.group(), text)
            text = _REGEX_PARAMETER.sub(lambda m, n=name, v=value: v if m["name"] == n else m.group(), text)
        return "/" + text.replace("\\.", ".")

    def _value(self, route: Route, name: str, kind: str) -> str:
        if name in ("pk", "object_id"):
            return str(self._object_for(route).pk)
        if name == "version":
            return "1"
        if name == "slug":
            return self.objects["template"].slug
        if name == "content_type_id":
            return str(ContentType.objects.get_for_model(Tree).pk)
        if name == "app_label":
            return kind.split("|")[0]
        return {"int": "1", "uuid": str(uuid.uuid4()), "slug": "x"}.get(kind, "x")

    def _object_for(self, route: Route):
        model_admin = getattr(route.callback, "model_admin", None)
        if model_admin is not None:  # the Django admin: an object of the admin's model, if any
            return model_admin.model._default_manager.first() or self.objects["owner"]
        literal = route.text.split("<")[0].strip("/").split("/")
        for segment in reversed(literal):
            if segment in self.OBJECT_FOR_SEGMENT:
                return self.objects[self.OBJECT_FOR_SEGMENT[segment]]
        # A route this test does not know yet: the first object the route finds.
        for candidate in self.objects.values():
            probe = self.client.get(_PATH_PARAMETER.sub(str(candidate.pk), "/" + route.text), **self.headers)
            if probe.status_code != 404:
                return candidate
        return self.objects["owner"]


@pytest.fixture
def site(northwind_owner, northwind_engineer, service_desk):
    return Site(northwind_owner, northwind_engineer, service_desk)


def refusal_problem(route: Route, response) -> str:
    """Why `response` is not the 400 refusal a NUL must get ('' when it is)."""
    if response.status_code != 400:
        return f"answered {response.status_code}"
    if route.is_api:
        if response.get("Content-Type") != "application/json" or response.json().get("detail") != NUL_REFUSED:
            return "the API answered without its JSON detail"
    elif NUL_REFUSED.encode() not in response.content or b"<html" not in response.content:
        return "the page answered without a readable page"
    if "Content-Security-Policy" not in response or "X-Frame-Options" not in response:
        return "the refusal left out the page headers (CSP, X-Frame-Options) every answer carries"
    return ""


# What each request holds a NUL in. The test client writes a dict body form-encoded (%00), multipart or
# as JSON (the \u0000 escape) by its content type. Every route gets the query string and a body of each
# method; the other channels take turns over the routes (each still reaches dozens of routes).
EVERY_ROUTE = {
    "query value": lambda c, url, h: c.get(url, {"q": "\x00"}, **h),
    "POST form": lambda c, url, h: c.post(url, "q=%00&name=x", "application/x-www-form-urlencoded", **h),
    "POST JSON": lambda c, url, h: c.post(url, NUL_JSON, "application/json", **h),
    "PUT JSON": lambda c, url, h: c.put(url, NUL_JSON, "application/json", **h),
    "PATCH form": lambda c, url, h: c.patch(url, "name=x%00", "application/x-www-form-urlencoded", **h),
}
IN_TURN = {
    "query key": lambda c, url, h: c.get(f"{url}?a%00b=1", **h),
    "DELETE query": lambda c, url, h: c.delete(f"{url}?q=%00", **h),
    "POST multipart": lambda c, url, h: c.post(url, {"q": "\x00", "name": "x"}, **h),
    "POST raw JSON": lambda c, url, h: c.post(url, b'{"q": "\x00"}', "application/json", **h),
    "PUT form": lambda c, url, h: c.put(url, "q=%00", "application/x-www-form-urlencoded", **h),
    "PATCH JSON": lambda c, url, h: c.patch(url, NUL_JSON, "application/json", **h),
    "htmx header": lambda c, url, h: c.get(url, HTTP_HX_REQUEST="true", HTTP_HX_PROMPT="a\x00b", **h),
}


def test_the_walk_covers_the_site_the_api_and_the_admin(site):
    texts = [route.text for route in all_routes()]

    assert {"api/v1/flows", "api/v1/auth/token", "sessions/<uuid:pk>/script/", "scripts/t/<slug:slug>/"} <= set(texts)
    assert sum(text.startswith("admin/") for text in texts) > 50
    assert "/sessions/" + str(site.objects["session"].pk) + "/script/" in [site.url(r) for r in all_routes()]


def test_every_route_refuses_a_nul_anywhere_in_the_request_with_400(site):
    failures = []
    in_turn = list(IN_TURN.items())
    for index, route in enumerate(all_routes()):
        url = site.url(route)
        site.sign_in(route)  # again for each route: a route may have signed the user out
        for name, send in [*EVERY_ROUTE.items(), in_turn[index % len(in_turn)]]:
            problem = refusal_problem(route, send(site.client, url, site.headers))
            if problem:
                failures.append(f"{name} {url}: {problem}")

    assert failures == []


def test_every_route_with_a_parameter_refuses_a_nul_in_the_path_with_400(site):
    failures = []
    for route in all_routes():
        if route.parameters:
            url = site.url(route, override="a%00b")
            problem = refusal_problem(route, site.client.get(url, **site.headers))
            if problem:
                failures.append(f"{url}: {problem}")

    assert failures == []


def test_a_cookie_holding_a_nul_is_refused_before_the_session_is_read(client, db):
    client.raise_request_exception = False
    client.cookies["sessionid"] = "abcdefgh\x00ijklmnop"

    response = client.get("/flows/")

    assert response.status_code == 400


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", json.dumps({"q": "a\\u0000 is how JSON writes NUL"})),  # an escaped backslash
        ("application/json", json.dumps({"q": "100%00"})),
        ("application/x-www-form-urlencoded", "q=100%2500"),  # "100%00" as text
        ("text/plain", "\\u0000"),
    ],
)
def test_text_that_only_looks_like_a_nul_is_not_refused(api_as, northwind_engineer, content_type, body):
    response = api_as(northwind_engineer).post("/api/v1/flows/match", body, content_type=content_type)

    assert response.status_code != 400 or response.json().get("detail") != NUL_REFUSED


def test_an_uploaded_file_is_not_read_by_the_nul_check(client, northwind_admin):
    client.force_login(northwind_admin)
    upload = SimpleUploadedFile("flow.json", b'{"name": "x\x00"}', "application/json")

    response = client.post("/flows/import/", {"file": upload})

    assert response.status_code < 500 and NUL_REFUSED.encode() not in response.content


# ── JSON nested too deep ────────────────────────────────────────────────────────────────────────────


def test_json_nested_50000_deep_on_the_unauthenticated_token_endpoint_is_a_400(client, db):
    client.raise_request_exception = False
    body = "[" * 50_000 + "]" * 50_000

    response = client.post("/api/v1/auth/token", body, content_type="application/json")

    assert response.status_code == 400
    assert "more than 200 levels" in response.json()["detail"]


def test_the_depth_limit_is_a_setting(api_as, northwind_engineer, settings):
    settings.MAX_JSON_DEPTH = 3
    api = api_as(northwind_engineer)

    refused = api.post("/api/v1/flows/match", {"text": [[["deep"]]]}, format="json")
    accepted = api.post("/api/v1/flows/match", {"text": "printer offline"}, format="json")

    assert refused.status_code == 400 and "more than 3 levels" in refused.json()["detail"]
    assert accepted.status_code != 400 or "levels" not in json.dumps(accepted.json())


def test_a_tree_at_the_deepest_valid_depth_still_parses(api_as, northwind_admin):
    from knowledge.tree_format import MAX_DEPTH

    tree = node = {"id": "n0", "type": "action", "instructions": "Step 0"}
    for depth in range(1, MAX_DEPTH + 1):
        child = {"id": f"n{depth}", "type": "action", "label": "Next", "instructions": f"Step {depth}"}
        node["children"] = [child]
        node = child
    node["type"], node["resolution"] = "solution", node.pop("instructions")
    data = {"name": "Deep", "tree_type": "troubleshooting", "tree_structure": tree}

    response = api_as(northwind_admin).post("/api/v1/flows", data, format="json")

    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 201 + "]" * 201, "more than 200 levels"),
        ('{"a": "\\u0000"}', "NUL"),
        ('{"a": NaN}', "NaN is not a JSON number"),
        ('{"a": -Infinity}', "-Infinity is not a JSON number"),
        ('{"a": 1e400}', "1e400 is too large"),
        ('{"a": [-2.5E+999]}', "too large"),
        ('{"a": "x\\ud800"}', "lone surrogate"),
        ('{"a": "\\uDFFF and more"}', "lone surrogate"),
    ],
)
def test_loads_refuses_what_postgresql_or_the_parser_cannot_take(text, message):
    with pytest.raises(json_input.InvalidJSON, match=message):
        json_input.loads(text)


def test_loads_keeps_surrogate_pairs_and_ordinary_numbers():
    assert json_input.loads('{"a": "\\ud83d\\ude00", "b": 1.5e300, "c": "\\\\ud800"}') == {
        "a": "\U0001f600",
        "b": 1.5e300,
        "c": "\\ud800",
    }


def unstorable_bodies() -> list[str]:
    """Bodies that parse in Python but that PostgreSQL cannot store: a lone surrogate, then a number past a
    float's range, inside every JSON field the API takes (a flow envelope, a review's modified flow, params)."""
    bodies = []
    for bad in ('"x\\ud800"', "1e400"):
        flow = envelope(name="Printer queue stuck")
        flow["tree_structure"]["question"] = "__BAD__"
        fields = {**flow, "action": "modify", "modified_flow_data": flow, "params": {"x": "__BAD__"}}
        fields |= {"intake_content": {"text": "__BAD__"}, "parameters_schema": {"parameters": [], "x": "__BAD__"}}
        bodies.append(json.dumps(fields).replace('"__BAD__"', bad))
    return bodies


def test_every_api_route_refuses_json_postgresql_cannot_store_without_a_server_error(site):
    """A lone surrogate or an overflowing number in any JSON body: 4xx, never 500."""
    failures = []
    for route in all_routes():
        if not route.is_api:
            continue
        for body in unstorable_bodies():
            for method in ("POST", "PUT"):
                client = Client(raise_request_exception=False)
                url = site.url(route)
                response = client.generic(method, url, body, content_type="application/json", **site.headers)
                if response.status_code >= 500:
                    failures.append(f"{method} {route.text}: {response.status_code}")
    assert failures == []


def test_loads_counts_brackets_inside_strings_as_text():
    text = json.dumps({"a": "[" * 1000, "b": '\\"[[[', "c": [[1]]})

    assert json_input.loads(text)["c"] == [[1]]
    assert json_input.nesting_depth(text, 200) == 3


# ── Every API answer is JSON ────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/flows/not-a-uuid", "/api/v1/flows/1/versions/x", "/api/"])
def test_an_unknown_api_path_is_a_json_404(api_as, northwind_engineer, path):
    response = api_as(northwind_engineer).get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json" and response.json() == {"detail": "Not found."}


def test_every_api_route_with_a_malformed_id_is_a_json_404(site):
    failures = []
    for route in all_routes():
        if route.is_api and route.parameters:
            response = site.client.get(site.url(route, override="not-an-id"), **site.headers)
            if response.status_code != 404 or response.get("Content-Type") != "application/json":
                failures.append(f"{route.text}: {response.status_code} {response.get('Content-Type')}")

    assert failures == []


JSON_TYPES = {"application/json", "application/vnd.oai.openapi+json"}


def test_every_api_route_answers_in_json_without_a_server_error(site):
    failures = []
    for route in all_routes():
        if not route.is_api or route.text.startswith("api/v1/docs"):  # Swagger UI: an HTML page by design
            continue
        url = site.url(route)
        # Reading, writing and a method most routes do not take, with a token; and anonymous.
        for method, headers in [("GET", site.headers), ("POST", site.headers), ("PATCH", site.headers), ("POST", {})]:
            client = Client(raise_request_exception=False)
            response = client.generic(method, url, "{}", content_type="application/json", **headers)
            content_type = response.get("Content-Type", "")
            is_json = response.status_code == 204 or content_type.split(";")[0] in JSON_TYPES
            if response.status_code >= 500 or not is_json:
                failures.append(f"{method} {url}: {response.status_code} {response.get('Content-Type')}")

    assert failures == []


def test_an_unhandled_api_error_is_a_json_500(api_as, northwind_engineer, monkeypatch):
    from resolutionflow.api import views

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(views.MeView, "get", broken)
    api = api_as(northwind_engineer)
    api.raise_request_exception = False

    response = api.get("/api/v1/me")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json" and "Server error" in response.json()["detail"]


def test_a_broken_page_is_still_the_html_500_page(client, northwind_engineer, monkeypatch):
    from resolutionflow import views

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(views, "render", broken)
    client.force_login(northwind_engineer)
    client.raise_request_exception = False

    response = client.get("/")

    assert response.status_code == 500 and b"Something went wrong" in response.content


def test_a_session_authenticated_api_call_without_a_csrf_token_is_a_json_403(northwind_admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(northwind_admin)

    response = client.post("/api/v1/flows", {"name": "x"}, content_type="application/json")

    assert response.status_code == 403
    assert response["Content-Type"] == "application/json" and "CSRF" in response.json()["detail"]


def test_django_csrf_failures_under_the_api_answer_json_and_pages_html(settings):
    from django.middleware.csrf import _get_failure_view

    view = _get_failure_view()
    api = view(RequestFactory().post("/api/v1/anything"), reason="CSRF cookie not set.")
    page = view(RequestFactory().post("/flows/new/"), reason="CSRF cookie not set.")

    assert settings.CSRF_FAILURE_VIEW == "resolutionflow.api.errors.csrf_failure"
    assert api.status_code == 403 and json.loads(api.content) == {"detail": "CSRF Failed: CSRF cookie not set."}
    assert page.status_code == 403 and b"<html" in page.content.lower()


def test_an_api_body_over_the_limit_is_a_json_413(api_as, northwind_engineer):
    response = api_as(northwind_engineer).post("/api/v1/flows", "x" * (1024 * 1024 + 1), content_type="text/plain")

    assert response.status_code == 413 and response["Content-Type"] == "application/json"
    assert "Content-Security-Policy" in response and "X-Frame-Options" in response


def test_the_error_views_tell_api_requests_from_pages():
    factory = RequestFactory()

    assert errors.is_api_request(factory.get("/api/v1/flows"))
    assert not errors.is_api_request(factory.get("/flows/"))
    assert errors.bad_request(factory.get("/api/v1/flows")).status_code == 400
    assert b"could not be accepted" in errors.bad_request(factory.get("/flows/")).content


# ── JSON typed in the Django admin ──────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ('{"parameters": [{"key": "sam_account_name", "label": "U\\u0000", "type": "sam_account_name"}]}', b"NUL"),
        ("[" * 5000 + "]" * 5000, b"more than 200 levels"),
        ('{"parameters": [], "n": 1e400}', b"too large"),
        ('{"parameters": [{"key": "sam_account_name", "label": "U\\ud800"}]}', b"surrogate"),
    ],
)
def test_json_an_operator_types_in_the_admin_is_a_form_error_not_a_500(northwind, schema, message):
    template = ScriptTemplateFactory(account=northwind)
    operator = UserFactory(email="ops@resolutionflow.test", account=None, is_staff=True, is_superuser=True)
    client = Client(raise_request_exception=False)
    client.force_login(operator)
    url = f"/admin/scripts/scripttemplate/{template.pk}/change/"
    fields = {"account": northwind.pk, "category": template.category_id, "name": template.name, "slug": template.slug}

    response = client.post(url, {**fields, "body": template.body, "version": 1, "parameters_schema": schema})

    assert response.status_code == 200 and message in response.content
    template.refresh_from_db()
    assert template.parameters_schema["parameters"][0]["label"] == "User"
