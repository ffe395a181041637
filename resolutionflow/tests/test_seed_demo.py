"""The demo data. Each app's step is tested on its own here (fast); flowpilot/tests/test_demo_history.py runs
the whole `seed_demo` command, twice, once."""

from django.core.management import call_command

from resolutionflow.demo import DEMO_PASSWORD, seed_accounts
from resolutionflow.models import Account, Role, Team, User


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
