"""The functions FlowPilot calls mid-session: which templates to offer, checking a proposal, pre-filling."""

import pytest

from scripts.in_session import generate, prefill_from_text, resolve_proposed_script, templates_for_prompt
from scripts.library import load_builtin_templates
from scripts.models import ScriptTemplate
from scripts.tests.factories import ScriptTemplateFactory


@pytest.fixture
def builtins(db):
    load_builtin_templates()
    return {t.slug: t for t in ScriptTemplate.objects.filter(account__isnull=True)}


# ── templates_for_prompt ────────────────────────────────────────────────────────────────────────────


def test_the_prompt_lists_usable_templates_most_used_first_with_their_parameter_keys(
    northwind_engineer, builtins, northwind, contoso
):
    ScriptTemplate.objects.filter(slug="clear-print-spooler").update(usage_count=50)
    ScriptTemplateFactory(account=northwind, name="Northwind VPN reset", slug="nw-vpn", usage_count=30)
    ScriptTemplateFactory(account=contoso, name="Contoso secret", slug="contoso-secret", usage_count=99)
    ScriptTemplateFactory(account=northwind, name="Inactive", slug="old", usage_count=98, is_active=False)

    offered = templates_for_prompt(northwind_engineer)

    assert [t["slug"] for t in offered[:2]] == ["clear-print-spooler", "nw-vpn"]
    assert len(offered) == 20
    assert {"contoso-secret", "old"}.isdisjoint(t["slug"] for t in offered)
    unlock = next(t for t in templates_for_prompt(northwind_engineer, limit=100) if t["slug"] == "ad-unlock-user")
    assert unlock == {
        "id": str(builtins["ad-unlock-user"].pk),
        "slug": "ad-unlock-user",
        "name": builtins["ad-unlock-user"].name,
        "description": builtins["ad-unlock-user"].description,
        "parameters": ["sam_account_name"],
    }


def test_the_prompt_offers_a_teams_template_to_its_team_only(northwind, northwind_engineer, projects_team, builtins):
    ScriptTemplateFactory(account=northwind, team=projects_team, slug="projects-only", usage_count=1000)
    ScriptTemplateFactory(account=northwind, team=northwind_engineer.team, slug="service-desk", usage_count=999)

    slugs = [t["slug"] for t in templates_for_prompt(northwind_engineer)]

    assert slugs[0] == "service-desk" and "projects-only" not in slugs


def test_an_accounts_copy_of_a_builtin_replaces_it_in_the_prompt(northwind, northwind_engineer, builtins):
    copy = ScriptTemplateFactory(account=northwind, slug="ad-unlock-user", name="Our unlock")

    offered = [t for t in templates_for_prompt(northwind_engineer, limit=100) if t["slug"] == "ad-unlock-user"]

    assert [t["id"] for t in offered] == [str(copy.pk)]


# ── resolve_proposed_script ─────────────────────────────────────────────────────────────────────────


def test_a_proposal_by_slug_or_id_resolves_with_its_valid_params(northwind_engineer, builtins):
    by_slug = resolve_proposed_script(
        northwind_engineer,
        "exo-mailbox-permissions",
        pre_filled_params={
            "mailbox": "sales@contoso.com",
            "user_principal_name": "not an address",
            "access_rights": "sendas",
            "x": 1,
        },
    )
    template = builtins["exo-mailbox-permissions"]
    by_id = resolve_proposed_script(northwind_engineer, str(template.pk), pre_filled_params={"mailbox": ""})

    assert by_slug == (template, {"mailbox": "sales@contoso.com", "access_rights": "SendAs"})
    assert by_id == (template, {})


def test_proposed_values_are_cleaned_to_their_type(northwind_engineer, builtins):
    _, params = resolve_proposed_script(
        northwind_engineer, "test-network-port", pre_filled_params={"computer_name": "fs01", "port": "8019"}
    )

    assert params == {"computer_name": "fs01", "port": 8019}


def test_a_proposed_secret_is_always_dropped(northwind_engineer, builtins):
    _, params = resolve_proposed_script(
        northwind_engineer,
        "ad-reset-password",
        pre_filled_params={"sam_account_name": "jsmith", "new_password": "Summer2026!"},
    )

    assert params == {"sam_account_name": "jsmith"}


@pytest.mark.parametrize("ref", ["no-such-template", "00000000-0000-0000-0000-000000000000", "", None, "../etc"])
def test_an_unknown_template_resolves_to_none(northwind_engineer, builtins, ref):
    assert resolve_proposed_script(northwind_engineer, ref, pre_filled_params={}) is None


def test_another_accounts_or_teams_template_resolves_to_none(
    northwind, northwind_engineer, contoso, projects_team, builtins
):
    foreign = ScriptTemplateFactory(account=contoso, slug="contoso-only")
    other_team = ScriptTemplateFactory(account=northwind, team=projects_team, slug="projects-only")

    assert resolve_proposed_script(northwind_engineer, str(foreign.pk), pre_filled_params={}) is None
    assert resolve_proposed_script(northwind_engineer, "contoso-only", pre_filled_params={}) is None
    assert resolve_proposed_script(northwind_engineer, str(other_team.pk), pre_filled_params={}) is None


def test_a_slug_resolves_to_the_most_specific_template(northwind, northwind_engineer, builtins):
    copy = ScriptTemplateFactory(account=northwind, slug="ad-unlock-user")

    template, _ = resolve_proposed_script(
        northwind_engineer, "ad-unlock-user", pre_filled_params={"sam_account_name": "jsmith"}
    )

    assert template == copy


# ── prefill_from_text ───────────────────────────────────────────────────────────────────────────────


def test_prefill_finds_a_upn(builtins):
    texts = ["Jane says she is signed in everywhere; her account is jane.doe@northwind.com and she lost her phone"]

    assert prefill_from_text(builtins["m365-revoke-sessions"], texts) == {
        "user_principal_name": "jane.doe@northwind.com"
    }


@pytest.mark.parametrize(
    ("text", "sam"),
    [
        ("Locked out again: NORTHWIND\\jsmith cannot sign in", "jsmith"),
        ("The user jsmith keeps getting locked out", "jsmith"),
        ("username: a.patel reports lockouts every morning", "a.patel"),
        ("Account 'mbrown' is locked", "mbrown"),
    ],
)
def test_prefill_finds_a_logon_name_in_its_usual_forms(builtins, text, sam):
    assert prefill_from_text(builtins["ad-unlock-user"], [text]) == {"sam_account_name": sam}


def test_prefill_ignores_ordinary_words_after_user(builtins):
    texts = ["The user is locked out and the user cannot sign in; user says the account was locked yesterday"]

    assert prefill_from_text(builtins["ad-unlock-user"], texts) == {}


def test_prefill_puts_each_address_where_its_words_say(builtins):
    texts = ["Please give jsmith@contoso.com Full Access to the shared mailbox sales@contoso.com"]

    assert prefill_from_text(builtins["exo-mailbox-permissions"], texts) == {
        "mailbox": "sales@contoso.com",
        "user_principal_name": "jsmith@contoso.com",
    }


def test_prefill_finds_hosts_ips_and_ports(builtins):
    port = builtins["test-network-port"]

    assert prefill_from_text(port, ["QuickBooks can't reach server QB01 on port 8019"]) == {
        "computer_name": "QB01",
        "port": 8019,
    }
    assert prefill_from_text(port, ["RDP to 10.20.0.15 times out"]) == {"computer_name": "10.20.0.15"}
    assert prefill_from_text(
        builtins["network-dns-lookup"], ["mail.contoso.com does not resolve from 192.168.1.10"]
    ) == {
        "host_name": "mail.contoso.com",
    }


def test_prefill_never_guesses_secrets_bools_or_files(builtins):
    reset = builtins["ad-reset-password"]

    guessed = prefill_from_text(reset, ["user jsmith wants password Summer2026! and unlock yes; see setup.exe log"])

    assert guessed == {"sam_account_name": "jsmith"}


def test_prefill_reads_every_text_and_skips_empty_ones(builtins):
    texts = ["", None, "Printer offline", "The engineer found host PRN-FLOOR2 unreachable"]

    assert prefill_from_text(builtins["network-trace-route"], texts) == {"computer_name": "PRN-FLOOR2"}


# ── generate ────────────────────────────────────────────────────────────────────────────────────────


def test_the_session_card_generates_through_the_one_service(northwind_engineer, builtins):
    from flowpilot.tests.factories import AISessionFactory

    session = AISessionFactory(engineer=northwind_engineer)
    template, params = resolve_proposed_script(
        northwind_engineer, "ad-unlock-user", pre_filled_params={"sam_account_name": "jsmith"}
    )

    generation, script = generate(northwind_engineer, template, params=params, ai_session=session)

    assert generation.ai_session == session and "$SamAccountName = 'jsmith'" in script
