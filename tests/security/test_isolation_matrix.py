"""The isolation and role matrix, walked from the URL resolver: every route of the site and the API.

For every route the case table below says which object fills its id and, per HTTP method it accepts, who
may use it. Three walks follow from it:

- **Another account's object answers 404**: a Contoso owner (every right in their own account) sends each
  method to every route filled with Northwind's objects; nothing of them is echoed and nothing changes.
- **Lists, counts, searches, exports and reports answer only the caller's data**: every GET route, filled
  with the caller's own objects and searched for Northwind's names, answers Contoso the same before and after
  Northwind's data exists, and never names or counts a Northwind object.
- **Roles**: an engineer, a team admin of another team, the object's team admin and the owner each send
  every method: 403 where the role lacks the right on the object acted on, and no 403/404 where it has it.

A route added without a case fails `test_every_url_pattern_has_a_case`; the exemptions say why.
"""

import json
import re
from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from flowpilot import engine
from flowpilot.psa.push_models import PsaPush, PushKind, PushStatus
from flowpilot.psa.tests.factories import PsaConnectionFactory
from knowledge import services as knowledge_services
from knowledge.models import GeneralisationTerm
from knowledge.tests.factories import ProposalFactory, TreeFactory, envelope
from resolutionflow.models import Role
from resolutionflow.tests.factories import AccountFactory, TeamFactory, UserFactory
from resolutionflow.tests.test_bad_input import _PATH_PARAMETER, all_routes
from scripts.models import ScriptCategory, ScriptGeneration
from scripts.tests.factories import ScriptCategoryFactory, ScriptGenerationFactory, ScriptTemplateFactory

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# Who may use a method of a route, as the set of matrix roles that hold the right on the object acted on.
ENGINEER, OTHER_TEAM_ADMIN, TEAM_ADMIN, OWNER = "engineer", "team admin of another team", "team admin", "owner"
ROLES = (ENGINEER, OTHER_TEAM_ADMIN, TEAM_ADMIN, OWNER)  # least privileged first: refusals meet pristine objects
ANYONE = frozenset(ROLES)
ADMINS = frozenset({OTHER_TEAM_ADMIN, TEAM_ADMIN, OWNER})  # any team admin (no object, or a team-less one)
TEAM_ADMINS = frozenset({TEAM_ADMIN, OWNER})  # admins of the object's team, and owners
ACTORS = TEAM_ADMINS  # a session's engineer (not a matrix role), its escalation target, its team's admins, owners
OWNERS = frozenset({OWNER})


@dataclass(frozen=True)
class Case:
    """What fills a route's parameters and who may send each method it accepts."""

    object: str | None
    rights: dict = field(default_factory=dict)  # method -> the roles holding the right
    lists: bool = False  # a list, count, search, export or report of the account's data
    hidden_from: frozenset = frozenset()  # roles the object is invisible to (404), by the product's rules
    names_in_body: bool = False  # the object acted on is named in the body: the walk's empty body answers 404


def case(object_=None, *, lists=False, hidden_from=frozenset(), names_in_body=False, **rights) -> Case:
    return Case(object_, dict(rights), lists, frozenset(hidden_from), names_in_body)


# A team's drafts and script templates are its own: another team does not see them (404).
TEAM_PRIVATE = {OTHER_TEAM_ADMIN}


# Every route of the site and the API (the Django admin is walked by its own test, below).
CASES = {
    # resolutionflow
    "": case(lists=True, GET=ANYONE),
    "teams/<uuid:pk>/": case("team", GET=ANYONE),
    "accounts/sign-in-lockouts/": case(lists=True, GET=OWNERS),
    "accounts/sign-in-lockouts/<uuid:pk>/unlock": case("user", POST=OWNERS),
    "api/v1/me": case(GET=ANYONE),
    "api/v1/teams": case(lists=True, GET=ANYONE),
    "api/v1/teams/<uuid:pk>": case("team", GET=ANYONE),
    # knowledge
    "flows/": case(lists=True, GET=ANYONE),
    "flows/<uuid:pk>/": case("flow", GET=ANYONE),
    "flows/<uuid:pk>/history/": case("flow", GET=ANYONE),
    "flows/<uuid:pk>/restore/<int:version>/": case("flow", POST=TEAM_ADMINS),
    "flows/<uuid:pk>/export.json": case("flow", GET=ANYONE),
    "flows/new/": case(GET=ADMINS, POST=ADMINS),
    "flows/import/": case(GET=ADMINS, POST=ADMINS),
    "flows/<uuid:pk>/edit/": case("flow", GET=TEAM_ADMINS, POST=TEAM_ADMINS),
    "flows/drafts/<uuid:pk>/edit/": case("draft", GET=TEAM_ADMINS, hidden_from=TEAM_PRIVATE),
    "flows/drafts/<uuid:pk>/ops/": case("draft", POST=TEAM_ADMINS, hidden_from=TEAM_PRIVATE),
    "flows/drafts/<uuid:pk>/meta/": case("draft", POST=TEAM_ADMINS, hidden_from=TEAM_PRIVATE),
    "flows/drafts/<uuid:pk>/publish/": case("draft", POST=TEAM_ADMINS, hidden_from=TEAM_PRIVATE),
    "flows/drafts/<uuid:pk>/export.json": case("draft", GET=TEAM_ADMINS, hidden_from=TEAM_PRIVATE),
    "review/": case(lists=True, GET=ANYONE),
    "review/<uuid:pk>/": case("proposal", GET=ANYONE),
    "review/<uuid:pk>/approve/": case("proposal", POST=TEAM_ADMINS),
    "review/<uuid:pk>/reject/": case("proposal", POST=TEAM_ADMINS),
    "review/<uuid:pk>/dismiss/": case("proposal", POST=TEAM_ADMINS),
    "review/<uuid:pk>/edit/": case("proposal", POST=TEAM_ADMINS),
    "review/<uuid:pk>/restore-term/": case("proposal", POST=TEAM_ADMINS),
    "generalisation-terms/": case(lists=True, GET=ADMINS, POST=ADMINS),
    "generalisation-terms/<int:pk>/delete/": case("term", POST=ADMINS),
    "api/v1/flows": case(lists=True, GET=ANYONE, POST=ADMINS),
    "api/v1/flows/match": case(POST=ANYONE),
    "api/v1/flows/<uuid:pk>": case("flow", GET=ANYONE, PUT=TEAM_ADMINS, DELETE=TEAM_ADMINS),
    "api/v1/flows/<uuid:pk>/versions": case("flow", lists=True, GET=ANYONE),
    "api/v1/flow-proposals": case(lists=True, GET=ANYONE),
    "api/v1/flow-proposals/stats": case(lists=True, GET=ANYONE),
    "api/v1/flow-proposals/<uuid:pk>": case("proposal", GET=ANYONE),
    "api/v1/flow-proposals/<uuid:pk>/review": case("proposal", POST=TEAM_ADMINS),
    # flowpilot
    "sessions/": case(lists=True, GET=ANYONE),
    "sessions/new/": case(GET=ANYONE, POST=ANYONE),
    "sessions/<uuid:pk>/": case("session", GET=ANYONE),
    "sessions/<uuid:pk>/view/": case("session", GET=ANYONE),
    "sessions/<uuid:pk>/answer/": case("session", POST=ACTORS),
    "sessions/<uuid:pk>/switch-flow/": case("session", POST=ACTORS),
    "sessions/<uuid:pk>/script/": case("session", POST=ACTORS),
    "sessions/<uuid:pk>/script/download/": case("session", POST=ACTORS),
    "sessions/<uuid:pk>/capture/": case("session", POST=ACTORS),
    "sessions/<uuid:pk>/hide/": case("session", POST=ACTORS),
    "sessions/<uuid:pk>/resolve/": case("session", GET=ACTORS, POST=ACTORS),
    "sessions/<uuid:pk>/escalate/": case("session", GET=ACTORS, POST=ACTORS),
    "sessions/<uuid:pk>/abandon/": case("session", GET=ACTORS, POST=ACTORS),
    "sessions/<uuid:pk>/pick-up/": case("escalated session", POST=TEAM_ADMINS),
    "escalations/": case(lists=True, GET=ANYONE),
    "sessions/new/from-ticket/": case(GET=ANYONE),
    "sessions/new/open-tickets/": case(lists=True, GET=ANYONE),
    "sessions/<uuid:pk>/ticket/": case("session", POST=ACTORS),
    "sessions/<uuid:pk>/ticket/check/": case("session", POST=ACTORS),
    "psa/pushes/": case(lists=True, GET=ADMINS),
    "psa/pushes/<int:pk>/retry/": case("push", POST=TEAM_ADMINS),
    "settings/psa/": case(GET=OWNERS, POST=OWNERS),
    "settings/psa/test/": case(POST=OWNERS),
    "settings/psa/engineers/<uuid:pk>/": case("user", POST=OWNERS),
    "api/v1/ai-sessions": case(lists=True, GET=ANYONE, POST=ANYONE),
    "api/v1/ai-sessions/<uuid:pk>": case("session", GET=ANYONE),
    "api/v1/ai-sessions/<uuid:pk>/steps": case("session", POST=ACTORS),
    "api/v1/ai-sessions/<uuid:pk>/resolve": case("session", POST=ACTORS),
    "api/v1/ai-sessions/<uuid:pk>/escalate": case("session", POST=ACTORS),
    "api/v1/ai-sessions/<uuid:pk>/abandon": case("session", POST=ACTORS),
    "api/v1/ai-sessions/<uuid:pk>/switch-flow": case("session", POST=ACTORS),
    "api/v1/ai-sessions/<uuid:pk>/ticket": case("session", POST=ACTORS),
    "api/v1/ai-sessions/<uuid:pk>/pick-up": case("escalated session", POST=TEAM_ADMINS),
    "api/v1/ai-sessions/<uuid:pk>/handoffs": case("escalated session", lists=True, GET=ANYONE),
    "api/v1/escalations": case(lists=True, GET=ANYONE),
    "api/v1/psa/connection": case(GET=OWNERS),
    # scripts
    "scripts/": case(lists=True, GET=ANYONE),
    "scripts/new/": case(GET=ADMINS, POST=ADMINS),
    "scripts/history/": case(lists=True, GET=ANYONE),
    "scripts/history/<uuid:pk>/": case("generation", GET=ANYONE),
    "scripts/t/<slug:slug>/": case("template", GET=ANYONE, hidden_from=TEAM_PRIVATE),
    "scripts/<uuid:pk>/": case("template", GET=ANYONE, hidden_from=TEAM_PRIVATE),
    "scripts/<uuid:pk>/preview/": case("template", POST=ANYONE, hidden_from=TEAM_PRIVATE),
    "scripts/<uuid:pk>/generate/": case("template", POST=ANYONE, hidden_from=TEAM_PRIVATE),
    "scripts/<uuid:pk>/download/": case("template", POST=ANYONE, hidden_from=TEAM_PRIVATE),
    "scripts/<uuid:pk>/edit/": case("template", GET=TEAM_ADMINS, POST=TEAM_ADMINS, hidden_from=TEAM_PRIVATE),
    "scripts/<uuid:pk>/copy/": case("template", POST=ADMINS, hidden_from=TEAM_PRIVATE),
    "api/v1/scripts/templates": case(lists=True, GET=ANYONE),
    "api/v1/scripts/templates/<uuid:pk>": case("template", GET=ANYONE, hidden_from=TEAM_PRIVATE),
    "api/v1/scripts/generate": case(POST=ANYONE),
    "api/v1/scripts/generations": case(lists=True, GET=ANYONE),
    "api/v1/scripts/generations/<uuid:pk>": case("generation", GET=ANYONE),
    # analytics
    "analytics/": case(lists=True, GET=ADMINS),
    "analytics/gaps/refresh/": case(POST=ADMINS),
    "analytics/gaps/create-flow/": case(POST=ADMINS, names_in_body=True),
    "api/v1/analytics/flowpilot": case(lists=True, GET=ADMINS),
    "api/v1/analytics/flowpilot/mttr-trend": case(lists=True, GET=ADMINS),
    "api/v1/analytics/flowpilot/knowledge-gaps": case(lists=True, GET=ADMINS),
    "api/v1/analytics/knowledge-gaps": case(lists=True, GET=ADMINS),
}

# Routes the walks leave out, each with its reason. Nothing here holds an account's data.
EXEMPT = {
    "healthz": "the load balancer's probe: database and pgvector status, no account data",
    "accounts/login/": "the sign-in form; covered by resolutionflow/tests/test_sign_in_lockout.py",
    "accounts/logout/": "signs the caller out; holds no object",
    "api/v1/auth/token": "exchanges the caller's own password for their token; covered by test_token_api.py",
    "api/v1/schema/": "the OpenAPI document: the same for every account (tests/security/test_api_fuzzing.py)",
    "api/v1/docs/": "Swagger UI's static page, the same for every account",
}
ADMIN_PREFIX = "admin/"  # the Django admin: platform operators only (test_the_django_admin_refuses_account_users)
ADMIN_SIGN_IN = {"admin/login/", "admin/logout/"}  # the admin's own sign-in and sign-out: no data behind them

MARK = "Nwleak"  # starts every Northwind name, summary and text the walks create
LEAK = f"{MARK} ".encode()  # a marked text (a search for the bare MARK may echo it back)


def route_texts() -> list[str]:
    return [route.text for route in all_routes()]


def matrix_routes():
    return [route for route in all_routes() if route.text in CASES]


# ── The world: Northwind's objects (the victim and the roles' account), Contoso's (the caller) ──────────


class Northwind:
    """Northwind's people in the matrix's roles and a factory for each kind of object a route names."""

    def __init__(self):
        self.account = AccountFactory(name=f"{MARK} Northwind", slug="nw-matrix")
        self.team = TeamFactory(account=self.account, name=f"{MARK} Service Desk")
        other_team = TeamFactory(account=self.account, name=f"{MARK} Projects")
        self.author = self._person("author", self.team, Role.ENGINEER)  # the sessions' own engineer
        self.people = {
            ENGINEER: self._person("engineer", self.team, Role.ENGINEER),
            OTHER_TEAM_ADMIN: self._person("projects-lead", other_team, Role.TEAM_ADMIN),
            TEAM_ADMIN: self._person("desk-lead", self.team, Role.TEAM_ADMIN),
            OWNER: self._person("owner", None, Role.OWNER),
        }
        PsaConnectionFactory(account=self.account)

    def _person(self, name, team, role):
        return UserFactory(email=f"{name}@{self.account.slug}.test", account=self.account, team=team, role=role)

    def make(self, kind: str):
        """A fresh object of `kind` in Northwind's Service Desk team, its texts marked."""
        return getattr(self, "_" + kind.replace(" ", "_"))()

    def _team(self):
        return self.team

    def _user(self):
        return UserFactory(account=self.account, team=self.team, role=Role.ENGINEER, full_name=f"{MARK} person")

    def _flow(self):
        return TreeFactory(
            account=self.account, team=self.team, name=f"{MARK} plotter flow", match_keywords=["plotter", MARK]
        )

    def _draft(self):
        flow = self._flow()
        return knowledge_services.start_draft(self.people[TEAM_ADMIN], envelope(f"{MARK} draft"), target_flow=flow)

    def _proposal(self):
        return ProposalFactory(engineer=self.author, title=f"{MARK} proposal")

    def _session(self):
        return engine.start_session(self.author, f"{MARK} plotter prints blank pages", prefer_capture=True)

    def _escalated_session(self):
        session = self._session()
        return engine.escalate_session(session, reason=f"{MARK} needs the lead", target_user=self.people[TEAM_ADMIN])

    def _template(self):
        # Script categories are the platform's (shared by every account): Northwind's templates reuse one.
        category = ScriptCategory.objects.order_by("pk").first() or ScriptCategoryFactory()
        return ScriptTemplateFactory(account=self.account, team=self.team, name=f"{MARK} template", category=category)

    def _generation(self):
        return ScriptGenerationFactory(user=self.author, template=self._template())

    def _term(self):
        return GeneralisationTerm.objects.create(account=self.account, term=f"{MARK} site")

    def _push(self):
        session = self._session()
        return PsaPush.objects.create(
            account=self.account,
            session=session,
            engineer=self.author,
            kind=PushKind.NOTE,
            payload={"text": f"{MARK} note"},
            status=PushStatus.DEAD,
            last_error=f"{MARK} refused",
            next_attempt_at=timezone.now(),
        )


def fill(route, obj) -> str:
    """The route's URL with `obj` in its parameters (a flow's first version, a template's slug)."""

    def value(match):
        name = match["name"]
        if name == "version":
            return "1"
        if name == "slug":
            return obj.slug
        return str(obj.pk)

    return "/" + _PATH_PARAMETER.sub(value, route.text)


def client_for(user, route_text: str) -> tuple[Client, dict]:
    """A client signed in as `user`: a session for pages (sent as htmx requests too), a token for the API."""
    client = Client(raise_request_exception=False)
    if route_text.startswith("api/"):
        token, _ = Token.objects.get_or_create(user=user)
        return client, {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    client.force_login(user)
    return client, {}


def send(client, method: str, url: str, headers: dict, *, htmx: bool = False):
    extra = {**headers, **({"HTTP_HX_REQUEST": "true"} if htmx else {})}
    if method == "GET":
        return client.get(url, **extra)
    body = "{}" if url.startswith("/api/") else ""
    content_type = "application/json" if url.startswith("/api/") else "application/x-www-form-urlencoded"
    return client.generic(method, url, body, content_type=content_type, **extra)


def snapshot(obj) -> dict:
    """Every concrete field of `obj` as stored now (to prove a refused request changed nothing)."""
    fresh = type(obj)._default_manager.get(pk=obj.pk)
    return {f.attname: getattr(fresh, f.attname) for f in type(obj)._meta.concrete_fields}


# ── The case table is complete ──────────────────────────────────────────────────────────────────────


def test_every_url_pattern_has_a_case():
    texts = route_texts()
    site = [text for text in texts if not text.startswith(ADMIN_PREFIX)]

    assert sorted(set(site) - set(CASES) - set(EXEMPT)) == [], "routes without a case: add them to CASES"
    assert sorted((set(CASES) | set(EXEMPT)) - set(site)) == [], "cases for routes that no longer exist"
    assert len(site) == len(CASES) + len(EXEMPT)
    covered = len(CASES) + sum(text.startswith(ADMIN_PREFIX) for text in texts)
    assert covered + len(EXEMPT) == len(texts)


def test_the_api_cases_name_exactly_the_methods_each_view_implements():
    problems = []
    for route in matrix_routes():
        view_class = getattr(route.callback, "cls", None)
        if view_class is None:
            continue
        implemented = {m for m in METHODS if hasattr(view_class, m.lower())}
        if implemented != set(CASES[route.text].rights):
            problems.append(
                f"{route.text}: implements {sorted(implemented)}, the case says {sorted(CASES[route.text].rights)}"
            )

    assert problems == []


# ── Another account's object: 404, whatever the method; nothing echoed, nothing changed ──────────────


@pytest.mark.django_db
def test_every_route_answers_404_to_another_accounts_owner_for_every_object_and_method():
    northwind = Northwind()
    contoso = AccountFactory(name="Contoso", slug="contoso-matrix")
    outsider = UserFactory(email="owner@contoso-matrix.test", account=contoso, role=Role.OWNER)
    failures, walked = [], 0
    for route in matrix_routes():
        spec = CASES[route.text]
        if spec.object is None:
            continue
        obj = northwind.make(spec.object)
        before = snapshot(obj)
        url = fill(route, obj)
        client, headers = client_for(outsider, route.text)
        for method in METHODS:
            for htmx in (False, True) if not route.text.startswith("api/") else (False,):
                response = send(client, method, url, headers, htmx=htmx)
                walked += 1
                expected = (404,) if method in spec.rights else (404, 405)
                if response.status_code not in expected:
                    failures.append(f"{method} {route.text}{' (htmx)' if htmx else ''}: {response.status_code}")
                elif LEAK in response.content:
                    failures.append(f"{method} {route.text}: the answer names Northwind's object")
        if snapshot(obj) != before:
            failures.append(f"{route.text}: Northwind's {spec.object} changed")

    assert failures == []
    assert walked > 250


# ── Lists, counts, searches, exports, reports: only the caller's data ───────────────────────────────


class Contoso:
    """The caller's own account with one object of each kind, so every list has something to show."""

    def __init__(self):
        self.account = AccountFactory(name="Contoso", slug="contoso-lists")
        self.team = TeamFactory(account=self.account, name="Contoso Desk")
        self.owner = UserFactory(email="owner@contoso-lists.test", account=self.account, role=Role.OWNER)
        self.engineer = UserFactory(
            email="eng@contoso-lists.test", account=self.account, team=self.team, role=Role.ENGINEER
        )
        flow = TreeFactory(account=self.account, team=self.team, name="Contoso plotter flow")
        template = ScriptTemplateFactory(account=self.account, team=self.team, name="Contoso template")
        session = engine.start_session(self.engineer, "Contoso plotter prints blank pages", prefer_capture=True)
        escalated = engine.escalate_session(
            engine.start_session(self.engineer, "Contoso VPN drops", prefer_capture=True), reason="needs the owner"
        )
        self.objects = {
            "team": self.team,
            "user": self.engineer,
            "flow": flow,
            "draft": knowledge_services.start_draft(self.owner, envelope("Contoso draft"), target_flow=flow),
            "proposal": ProposalFactory(engineer=self.engineer, title="Contoso proposal"),
            "session": session,
            "escalated session": escalated,
            "template": template,
            "generation": ScriptGenerationFactory(user=self.engineer, template=template),
            "term": GeneralisationTerm.objects.create(account=self.account, term="Contoso site"),
        }
        self.objects["push"] = PsaPush.objects.create(
            account=self.account,
            session=session,
            engineer=self.engineer,
            kind=PushKind.NOTE,
            payload={"text": "Contoso note"},
            status=PushStatus.DEAD,
        )


def northwind_everywhere(northwind: Northwind) -> list:
    """One Northwind object of every kind (an escalated session and a push among them) and a resolved session."""
    made = [northwind.make(kind) for kind in ("flow", "draft", "proposal", "escalated session", "generation", "term")]
    made.append(northwind.make("push"))
    session = northwind.make("session")
    engine.resolve_session(session, resolution_summary=f"{MARK} restarted the spooler")
    return made


# What differs between two identical requests: the CSRF token, the CSP nonce, "5 seconds ago".
VOLATILE = re.compile(rb'(csrfmiddlewaretoken" value="|x-csrftoken": "|nonce="|csrftoken=)[^"&;]*')
AGO = re.compile(rb"(?:\d+|an?)(?:\xc2\xa0| )(?:second|minute)s? ago|\bnow\b")  # naturaltime's "now", "a minute ago"


# Each answer plain, searched for Northwind's names, and with the widest list scope (sessions: all, inbox: anyone).
QUERIES = ("", f"?q={MARK}&search={MARK}&name={MARK}", "?scope=all", "?scope=anyone")


def answers(client, headers, urls) -> dict:
    found = {}
    for url in urls:
        for query in QUERIES:
            response = client.get(url + query, **headers)
            found[url + query] = (response.status_code, AGO.sub(b"ago", VOLATILE.sub(rb"\1", response.content)))
    return found


def first_difference(before: bytes, after: bytes) -> str:
    import difflib

    lines = difflib.unified_diff(
        before.decode(errors="replace").splitlines(), after.decode(errors="replace").splitlines(), n=0, lineterm=""
    )
    return " | ".join(list(lines)[2:6])


@pytest.mark.django_db
def test_every_list_count_search_export_and_report_answers_only_the_callers_data():
    contoso = Contoso()
    readable = [route for route in matrix_routes() if "GET" in CASES[route.text].rights]
    urls = {
        route.text: fill(route, contoso.objects[CASES[route.text].object])
        if CASES[route.text].object
        else "/" + route.text
        for route in readable
    }
    clients = {text: client_for(contoso.owner, text) for text in urls}

    alone = {text: answers(*clients[text], [url]) for text, url in urls.items()}
    northwind = Northwind()
    foreign = northwind_everywhere(northwind)
    shared = {text: answers(*clients[text], [url]) for text, url in urls.items()}

    foreign_ids = {str(obj.pk).encode() for obj in foreign if not isinstance(obj.pk, int)}
    failures = []
    for text, found in shared.items():
        for url, (status, body) in found.items():
            if status >= 500:
                failures.append(f"{url}: {status}")
            if LEAK in body or any(pk in body for pk in foreign_ids):
                failures.append(f"{url}: names a Northwind object")
            if alone[text][url] != (status, body):
                change = first_difference(alone[text][url][1], body)
                failures.append(f"{url}: answers Contoso differently once Northwind has data: {change}")
    assert sum(CASES[r.text].lists for r in readable) >= 25
    assert failures == [], "\n".join(failures)


@pytest.mark.django_db
def test_matching_and_starting_a_session_never_reach_another_accounts_flow(api_as):
    northwind = Northwind()
    northwind.make("flow")
    contoso = Contoso()
    text = f"{MARK} plotter prints blank pages"

    matched = api_as(contoso.owner).post("/api/v1/flows/match", {"text": text}, format="json")
    started = api_as(contoso.owner).post("/api/v1/ai-sessions", {"intake": text}, format="json")

    assert matched.status_code == 200 and MARK not in matched.content.decode()
    assert started.status_code == 201 and MARK not in json.dumps(started.json()).replace(text, "")


# ── Roles on every action ───────────────────────────────────────────────────────────────────────────


def role_problem(spec: Case, role: str, allowed: frozenset, status: int) -> str:
    """Why `status` is not what `role` must get from a route of `spec` ('' when it is)."""
    if status >= 500:
        return "a server error"
    if role in spec.hidden_from:
        return "" if status == 404 else "not 404 (the object is hidden from this role)"
    if role not in allowed:
        return "" if status == 403 else "not 403"
    if status in (403, 405) or (status == 404 and not spec.names_in_body):
        return "the role has the right"
    return ""


@pytest.mark.django_db
def test_every_action_refuses_each_role_without_the_right_with_403_and_admits_the_others():
    northwind = Northwind()
    failures, checked = [], 0
    for route in matrix_routes():
        spec = CASES[route.text]
        obj = northwind.make(spec.object) if spec.object else None
        url = fill(route, obj) if obj is not None else "/" + route.text
        for role in ROLES:
            client, headers = client_for(northwind.people[role], route.text)
            for method, allowed in spec.rights.items():
                before = snapshot(obj) if obj is not None and role not in allowed else None
                response = send(client, method, url, headers, htmx=not route.text.startswith("api/"))
                checked += 1
                status = response.status_code
                problem = role_problem(spec, role, allowed, status)
                if problem:
                    failures.append(f"{role} {method} {route.text}: {status}, {problem}")
                elif before is not None and snapshot(obj) != before:
                    failures.append(f"{role} {method} {route.text}: refused but the {spec.object} changed")
                if obj is not None and method != "GET" and status < 400:  # acted: the next role gets a fresh one
                    obj = northwind.make(spec.object)
                    url = fill(route, obj)

    assert failures == [], "\n".join(failures)
    assert checked >= 4 * len(CASES)


# ── The Django admin: platform operators only ───────────────────────────────────────────────────────


@pytest.mark.django_db
def test_the_django_admin_refuses_account_users():
    owner = UserFactory(email="owner@admin-matrix.test", account=AccountFactory(slug="admin-matrix"), role=Role.OWNER)
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    failures, walked = [], 0
    for route in all_routes():
        if not route.text.startswith(ADMIN_PREFIX) or route.text in ADMIN_SIGN_IN:
            continue
        url = "/" + _PATH_PARAMETER.sub("1", route.text)
        url = re.sub(r"\(\?P<\w+>[^()]*\)", "1", url).replace("\\.", ".")
        for method in ("GET", "POST"):
            response = client.generic(method, url)
            walked += 1
            if response.status_code not in (302, 404) or (
                response.status_code == 302 and "/admin/login/" not in response["Location"]
            ):
                failures.append(f"{method} {route.text}: {response.status_code}")

    assert failures == []
    assert walked > 100


# ── Another account's id inside a body: refused, nothing changed ────────────────────────────────────

# (route, the own object in the path, body: field -> the other account's object it names, or a literal).
BODY_IDS = [
    ("api/v1/scripts/generate", None, {"template_id": "template"}),
    ("api/v1/scripts/generate", None, {"template_id": "own template", "ai_session_id": "session"}),
    ("api/v1/ai-sessions/<uuid:pk>/switch-flow", "session", {"flow_id": "flow"}),
    ("api/v1/ai-sessions/<uuid:pk>/escalate", "session", {"reason": "Needs help", "target_user_id": "user"}),
    ("api/v1/ai-sessions/<uuid:pk>/escalate", "session", {"reason": "Needs help", "target_team_id": "team"}),
    ("sessions/<uuid:pk>/switch-flow/", "session", {"flow_id": "flow"}),
    ("sessions/<uuid:pk>/escalate/", "session", {"reason": "Needs help", "target": "user:user"}),
    ("sessions/<uuid:pk>/escalate/", "session", {"reason": "Needs help", "target": "team:team"}),
]


def body_value(value: str, objects: dict) -> str:
    """ "flow" -> that object's id; "user:user" -> "user:<id>" (a form's choice); anything else as it is."""
    prefix, _, kind = value.rpartition(":")
    if kind not in objects:
        return value
    return f"{prefix}:{objects[kind].pk}" if prefix else str(objects[kind].pk)


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "own", "body"), BODY_IDS)
def test_another_accounts_id_in_a_body_is_refused_and_changes_nothing(route, own, body):
    northwind = Northwind()
    foreign = {kind: northwind.make(kind) for kind in ("flow", "template", "session", "user", "team")}
    caller = UserFactory(email="eng@contoso-body.test", account=AccountFactory(slug="contoso-body"), role=Role.OWNER)
    mine = {
        "session": engine.start_session(caller, "Contoso printer offline", prefer_capture=True),
        "own template": ScriptTemplateFactory(account=caller.account, name="Contoso template"),
    }
    before = {kind: snapshot(obj) for kind, obj in {**foreign, **mine}.items()}
    values = {name: body_value(value, {**foreign, **mine}) for name, value in body.items()}
    url = "/" + _PATH_PARAMETER.sub(str(mine[own].pk), route) if own else "/" + route
    client, headers = client_for(caller, route)

    if route.startswith("api/"):
        response = client.post(url, json.dumps(values), content_type="application/json", **headers)
    else:
        response = client.post(url, values, HTTP_HX_REQUEST="true")

    assert 400 <= response.status_code < 500, response.status_code
    assert LEAK not in response.content
    assert {kind: snapshot(obj) for kind, obj in {**foreign, **mine}.items()} == before
    assert not ScriptGeneration.objects.filter(user=caller).exists()
