"""Untrusted text everywhere: every text, char and JSON field of the apps' models, found by introspection,
holds XSS, template-injection and htmx-attribute payloads; every page of the site is loaded in Chromium.

Whoever typed the text (an engineer, the LLM, the PSA's ticket, an admin), the pages show it as text: no
dialog opens, no element or attribute of a payload exists in the document, no `securitypolicyviolation`
event fires and the console shows no CSP error. A field added to a model later is covered without a change.
"""

import itertools
import re

import pytest
from django.apps import apps
from django.db import models
from django.utils import timezone

from flowpilot import engine
from flowpilot.models import SessionHandoff
from flowpilot.psa.push_models import LinkStatus, PsaPush, PushKind, PushStatus, TicketLink
from flowpilot.psa.tests.factories import PsaConnectionFactory, PsaUserIdentityFactory
from knowledge import services as knowledge_services
from knowledge.models import GeneralisationTerm
from knowledge.tests.factories import ProposalFactory, TreeFactory, envelope
from resolutionflow.models import Role
from resolutionflow.tests.factories import UserFactory
from scripts.tests.factories import ScriptGenerationFactory, ScriptTemplateFactory
from tests.security.test_isolation_matrix import CASES, matrix_routes

pytestmark = pytest.mark.django_db(transaction=True)

APPS = ("resolutionflow", "knowledge", "flowpilot", "scripts", "analytics")

# Fields left as they are, each with its reason: the walk must still sign in and find its objects.
KEPT = {
    "email": "the sign-in name (the browser signs in with it); validated as an address on every write",
    "password": "a hash, never shown",
    "slug": "part of URLs, validated as a slug",
    "marker": "the push's reference, generated",
    "encrypted_secrets": "ciphertext, never shown (write-only credentials)",
    "embedding_text": "the text embedded for matching, never shown",
    "time_zone": "the account's time zone: a name from the time zone database, validated on every write",
}
# Text with a syntax of its own, validated on every write: the payload goes where the syntax allows text.
SYNTAX = {
    # a script template's body: {{key}} placeholders only, so the payload is a comment line without braces
    "body": lambda old, text: f"{old}\n# {text.split('{{')[0]}",
}
# JSON keys whose strings are structure, not text (ids a page links to, enumerations a page switches on).
STRUCTURE = {
    "id", "type", "template", "tree_type", "problem_domain", "status", "kind", "key", "node_id", "flow_id",
    "session_id", "source", "action", "tier", "mode", "op", "provider", "gap_type", "severity", "parent_id",
}  # fmt: skip
UUID_LIKE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$|^\d+$")


def payload(n: int) -> str:
    """XSS through elements, attributes and URLs; htmx attributes; Django template syntax (TPLINJ if run)."""
    return (
        f"x{n}\"'><img src=x onerror=alert({n}) data-xss={n}><svg onload=alert({n}) data-xss={n}></svg>"
        f'<script data-xss={n}>alert({n})</script><a href="javascript:alert({n})" data-xss={n}>link</a>'
        f'<div hx-get="/flows/" hx-trigger="load" hx-on::load="alert({n})" data-xss={n}></div>'
        f'<iframe srcdoc="<script>parent.alert({n})</script>" data-xss={n}></iframe>'
        '{{ "tplinj"|upper }}{% now "U" %}${7*7}'
    )


def untrusted_fields() -> list[tuple[type[models.Model], models.Field]]:
    """Every text, char and JSON field of the apps' models that people, the LLM or a PSA can fill."""
    found = []
    for model in apps.get_models():
        if model._meta.app_label not in APPS:
            continue
        for field in model._meta.concrete_fields:
            text = isinstance(field, (models.CharField, models.TextField)) and not field.choices
            if (text or isinstance(field, models.JSONField)) and not field.primary_key and field.name not in KEPT:
                found.append((model, field))
    return found


def poisoned(value, counter):
    """`value` with every text leaf replaced by a payload, its structure (keys, ids, enumerations) kept."""
    if isinstance(value, dict):
        return {k: v if k in STRUCTURE else poisoned(v, counter) for k, v in value.items()}
    if isinstance(value, list):
        return [poisoned(item, counter) for item in value]
    if isinstance(value, str) and value and not UUID_LIKE.match(value):
        return payload(next(counter))
    return value


def poison_every_field() -> int:
    """Put payloads in every untrusted field of every row; returns how many fields were filled."""
    counter = itertools.count(1000)
    filled = 0
    for model, field in untrusted_fields():
        rows = model._default_manager.all()
        if not rows.exists():
            continue
        filled += 1
        for pk, value in rows.values_list("pk", field.attname):
            if isinstance(field, models.JSONField):
                new = poisoned(value, counter)
            elif field.name in SYNTAX:
                new = SYNTAX[field.name](value, payload(next(counter)))
            else:
                new = payload(next(counter))[: field.max_length] if field.max_length else payload(next(counter))
            model._default_manager.filter(pk=pk).update(**{field.attname: new})
    return filled


def build_account(owner, engineer, team):
    """One object of each kind a page shows, from every source: typed, LLM-made, PSA-read."""
    account = owner.account
    PsaConnectionFactory(account=account)
    PsaUserIdentityFactory(user=engineer, account=account, member_identifier="alex")
    flow = TreeFactory(account=account, team=team, name="Plotter flow", match_keywords=["plotter"])
    knowledge_services.start_draft(owner, envelope("Draft"), target_flow=flow)
    ProposalFactory(engineer=engineer, title="Proposal")
    ProposalFactory(engineer=engineer, title="Enhancement", proposal_type="enhancement", target_flow=flow)
    template = ScriptTemplateFactory(account=account, team=team, name="Template")
    ScriptGenerationFactory(user=engineer, template=template)
    GeneralisationTerm.objects.create(account=account, term="Site")
    session = engine.start_session(engineer, "Plotter prints blank pages", prefer_capture=True)
    engine.start_session(engineer, "AD account locked out", prefer_capture=False)
    escalated = engine.escalate_session(
        engine.start_session(engineer, "VPN drops", prefer_capture=True), reason="Needs the lead", target_team=team
    )
    TicketLink.objects.create(
        account=account,
        session=session,
        provider="connectwise",
        number="41233",
        ticket_id="41233",
        summary="Ticket summary",
        company="Client company",
        status=LinkStatus.VERIFIED,
        verified_at=timezone.now(),
    )
    PsaPush.objects.create(
        account=account,
        session=session,
        engineer=engineer,
        kind=PushKind.NOTE,
        payload={"text": "Note"},
        status=PushStatus.DEAD,
        last_error="Refused",
    )
    assert SessionHandoff.objects.filter(session=escalated).exists()
    return {"flow": flow, "session": session, "escalated session": escalated, "template": template}


def page_urls(objects: dict, owner) -> list[str]:
    """Every page (not API) route that answers GET, filled with this account's objects."""
    from knowledge.models import FlowDraft, FlowProposal
    from scripts.models import ScriptGeneration

    objects = {
        **objects,
        "team": owner.account.teams.first(),
        "draft": FlowDraft.objects.first(),
        "proposal": FlowProposal.objects.first(),
        "generation": ScriptGeneration.objects.first(),
        "user": owner,
    }
    urls = []
    for route in matrix_routes():
        spec = CASES[route.text]
        if route.text.startswith("api/") or "GET" not in spec.rights or route.text.endswith(".json"):
            continue
        obj = objects.get(spec.object)
        text = route.text
        if obj is not None:
            text = re.sub(r"<slug:\w+>", getattr(obj, "slug", ""), text)
            text = re.sub(r"<\w+:\w+>", str(obj.pk), text)
        urls.append("/" + text)
    proposals = FlowProposal.objects.values_list("pk", flat=True)
    urls += [f"/review/{pk}/" for pk in proposals] + ["/sessions/?scope=all", "/escalations/?scope=all"]
    return urls


WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
"""
INJECTED = """() => {
  const found = [...document.querySelectorAll(
    '[data-xss], [onerror], [onload], iframe[srcdoc], [hx-on\\\\:\\\\:load]')];
  const js = [...document.querySelectorAll('[href^="javascript:" i], [src^="javascript:" i]')];
  return [...found, ...js].map(e => e.outerHTML.slice(0, 120));
}"""


def test_no_page_runs_or_injects_untrusted_text(page, login, live_server, northwind_owner, service_desk):
    engineer = UserFactory(email="alex@northwind.test", account=northwind_owner.account, team=service_desk)
    UserFactory(email="lead@northwind.test", account=northwind_owner.account, team=service_desk, role=Role.TEAM_ADMIN)
    objects = build_account(northwind_owner, engineer, service_desk)
    login(northwind_owner)
    filled = poison_every_field()
    dialogs, console = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
    page.add_init_script(WATCH)

    failures, shown = [], set()
    for url in page_urls(objects, northwind_owner):
        response = page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
        status = response.status if response else 0
        if status >= 500 or status == 0:
            failures.append(f"{url}: {status}")
            continue
        for element in page.evaluate(INJECTED):
            failures.append(f"{url}: injected {element}")
        for violation in page.evaluate("window.__violations"):
            failures.append(f"{url}: CSP violation {violation}")
        text = page.content()
        if "TPLINJ" in text:
            failures.append(f"{url}: a template tag in stored text was run")
        shown.update(re.findall(r"\bx(\d{4,})(?:&quot;|\")", text))

    csp_errors = [m for m in console if "Content Security Policy" in m or "Refused to" in m]
    assert dialogs == [], dialogs
    assert failures == [], "\n".join(failures)
    assert csp_errors == [], csp_errors
    assert filled >= 40, f"only {filled} fields filled"
    assert len(shown) >= 40, f"only {len(shown)} payloads shown on the pages"
