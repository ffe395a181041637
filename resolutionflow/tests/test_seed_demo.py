"""The demo data. Each app's step is tested on its own here (fast); flowpilot/tests/test_demo_history.py runs
the whole `seed_demo` command, twice, once."""

import pytest
from django.core.management import CommandError, call_command

from resolutionflow.demo import DEMO_PASSWORD, seed_accounts
from resolutionflow.models import Account, Role, Team, User
from resolutionflow.tests.factories import AccountFactory


def test_the_demo_accounts_teams_and_logins(db):
    seed_accounts()

    assert set(Account.objects.values_list("name", flat=True)) == {"Northwind IT", "Contoso MSP"}
    northwind = Account.objects.get(slug="northwind")
    assert set(Team.objects.for_account(northwind).values_list("name", flat=True)) == {"Service Desk", "Projects"}
    lead = User.objects.get(email="lead@northwind.test")
    assert lead.role == Role.TEAM_ADMIN and lead.team.name == "Service Desk"
    assert User.objects.get(email="eng@contoso.test").account.name == "Contoso MSP"
    assert all(u.check_password(DEMO_PASSWORD) for u in User.objects.all())


def test_the_demo_accounts_are_idempotent(db):
    seed_accounts()
    seed_accounts()

    assert (Account.objects.count(), Team.objects.count(), User.objects.count()) == (2, 2, 6)


def test_seed_demo_prints_the_logins(db, capsys):
    call_command("seed_demo", "--logins-only")

    out = capsys.readouterr().out
    assert "owner@northwind.test" in out and DEMO_PASSWORD in out


def test_the_demo_loads_the_starter_library_once(db):
    from knowledge import demo
    from knowledge.models import Tree

    accounts = seed_accounts()
    demo.seed(accounts)
    demo.seed(accounts)

    assert Tree.objects.for_account(accounts["northwind"]).filter(status="published").count() >= 25
    assert Tree.objects.for_account(accounts["contoso"]).count() == 5
    domains = set(Tree.objects.for_account(accounts["northwind"]).values_list("problem_domain", flat=True))
    assert {
        "active_directory",
        "m365",
        "exchange",
        "networking",
        "vpn",
        "printing",
        "windows",
        "backup",
        "security",
        "hardware",
    } <= domains


def test_the_demo_loads_the_built_in_script_library(db):
    from scripts import demo
    from scripts.models import ScriptTemplate

    demo.seed(seed_accounts())

    builtins = ScriptTemplate.objects.filter(account__isnull=True)
    assert builtins.count() >= 20
    assert {"ad-unlock-user", "clear-print-spooler", "m365-revoke-sessions"} <= set(
        builtins.values_list("slug", flat=True)
    )


@pytest.fixture
def no_demo_content(monkeypatch):
    """Only the accounts step of the demo (the apps' steps are tested above and in flowpilot)."""
    monkeypatch.setattr("resolutionflow.demo.DEMO_STEPS", [])


def test_seed_demo_refuses_a_database_with_other_accounts(db, no_demo_content):
    AccountFactory(name="Real Customer MSP", slug="real-customer")

    with pytest.raises(CommandError, match="Real Customer MSP"):
        call_command("seed_demo", quiet_logins=True)

    assert not User.objects.exists()
    assert not Account.objects.filter(slug="northwind").exists()


def test_seed_demo_refuses_a_real_account_that_has_a_demo_slug(db, no_demo_content):
    AccountFactory(name="Contoso Ltd (a real customer)", slug="contoso")

    with pytest.raises(CommandError, match="Contoso Ltd"):
        call_command("seed_demo", quiet_logins=True)

    assert Account.objects.get(slug="contoso").name == "Contoso Ltd (a real customer)"
    assert not User.objects.exists()


def test_seed_demo_refuses_when_real_users_joined_a_demo_account(db, no_demo_content):
    call_command("seed_demo", quiet_logins=True)
    User.objects.create_user(email="jane@real-msp.example", account=Account.objects.get(slug="northwind"))

    with pytest.raises(CommandError, match="jane@real-msp.example"):
        call_command("seed_demo", quiet_logins=True)


def test_seed_demo_refuses_a_database_that_holds_only_operators(db, no_demo_content):
    User.objects.create_superuser(email="ops@real-msp.example", password="x")

    with pytest.raises(CommandError, match="ops@real-msp.example"):
        call_command("seed_demo", quiet_logins=True)
    assert not Account.objects.exists()


def test_an_operator_added_to_a_demo_database_does_not_stop_seed_demo(db, no_demo_content):
    """The README's order: `make run` seeds, then `createsuperuser`, then `make run` again."""
    call_command("seed_demo", quiet_logins=True)
    User.objects.create_superuser(email="me@laptop.example", password="x")

    call_command("seed_demo", quiet_logins=True)

    assert Account.objects.filter(is_demo=True).count() == 2


def test_seed_demo_seeds_beside_other_accounts_when_forced(db, no_demo_content):
    AccountFactory(name="Real Customer MSP", slug="real-customer")

    call_command("seed_demo", "--force", quiet_logins=True)

    assert Account.objects.filter(slug="northwind").exists()


def test_seed_demo_keeps_a_demo_users_changed_password(db, no_demo_content):
    call_command("seed_demo", quiet_logins=True)
    owner = User.objects.get(email="owner@northwind.test")
    owner.set_password("a-new-password-of-her-own")
    owner.save()

    call_command("seed_demo", quiet_logins=True)

    owner.refresh_from_db()
    assert owner.check_password("a-new-password-of-her-own")


def test_seed_demo_resets_demo_passwords_when_asked(db, no_demo_content):
    call_command("seed_demo", quiet_logins=True)
    owner = User.objects.get(email="owner@northwind.test")
    owner.set_password("a-new-password-of-her-own")
    owner.save()

    call_command("seed_demo", "--reset-passwords", quiet_logins=True)

    owner.refresh_from_db()
    assert owner.check_password(DEMO_PASSWORD)


def test_without_history_the_demo_has_its_flows_templates_and_psa_but_no_past(db):
    from flowpilot.models import AISession, PsaConnection, PsaPush
    from knowledge.models import FlowProposal, Tree
    from scripts.models import ScriptGeneration, ScriptTemplate

    call_command("seed_demo", "--quiet-logins", "--without-history")

    assert Account.objects.count() == 2 and Tree.objects.exists() and ScriptTemplate.objects.exists()
    assert PsaConnection.objects.filter(account__slug="northwind").exists()
    assert not AISession.objects.exists() and not PsaPush.objects.exists()
    assert not FlowProposal.objects.exists() and not ScriptGeneration.objects.exists()
