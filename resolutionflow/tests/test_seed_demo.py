from django.core.management import call_command

from resolutionflow.demo import DEMO_PASSWORD
from resolutionflow.models import Account, Role, Team, User


def test_seed_demo_creates_the_accounts_teams_and_logins(db):
    call_command("seed_demo", quiet_logins=True)

    assert set(Account.objects.values_list("name", flat=True)) == {"Northwind IT", "Contoso MSP"}
    northwind = Account.objects.get(slug="northwind")
    assert set(Team.objects.for_account(northwind).values_list("name", flat=True)) == {"Service Desk", "Projects"}
    lead = User.objects.get(email="lead@northwind.test")
    assert lead.role == Role.TEAM_ADMIN and lead.team.name == "Service Desk"
    assert User.objects.get(email="eng@contoso.test").account.name == "Contoso MSP"
    assert all(u.check_password(DEMO_PASSWORD) for u in User.objects.all())


def test_seed_demo_is_idempotent(db):
    call_command("seed_demo", quiet_logins=True)
    call_command("seed_demo", quiet_logins=True)

    assert Account.objects.count() == 2
    assert Team.objects.count() == 2
    assert User.objects.count() == 6


def test_seed_demo_prints_the_logins(db, capsys):
    call_command("seed_demo")

    out = capsys.readouterr().out
    assert "owner@northwind.test" in out and DEMO_PASSWORD in out


def test_seed_demo_loads_the_starter_library_once(db):
    from knowledge.models import Tree

    call_command("seed_demo", quiet_logins=True)
    call_command("seed_demo", quiet_logins=True)

    northwind = Account.objects.get(slug="northwind")
    contoso = Account.objects.get(slug="contoso")
    assert Tree.objects.for_account(northwind).filter(status="published").count() >= 25
    assert Tree.objects.for_account(contoso).count() == 5
    domains = set(Tree.objects.for_account(northwind).values_list("problem_domain", flat=True))
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


def test_seed_demo_loads_the_built_in_script_library(db):
    from scripts.models import ScriptTemplate

    call_command("seed_demo", quiet_logins=True)

    builtins = ScriptTemplate.objects.filter(account__isnull=True)
    assert builtins.count() >= 20
    assert {"ad-unlock-user", "clear-print-spooler", "m365-revoke-sessions"} <= set(
        builtins.values_list("slug", flat=True)
    )
