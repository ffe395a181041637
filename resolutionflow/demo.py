"""Demo accounts and logins, shared by `seed_demo`, `make run` and the README."""

from dataclasses import dataclass

from django.db import transaction

from resolutionflow.models import Account, Role, Team, User

DEMO_PASSWORD = "resolutionflow-demo"


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    account_slug: str
    role: str
    team: str | None = None


ACCOUNTS = {
    "northwind": ("Northwind IT", ["Service Desk", "Projects"]),
    "contoso": ("Contoso MSP", []),
}

USERS = [
    DemoUser("owner@northwind.test", "Olivia Owens", "northwind", Role.OWNER),
    DemoUser("lead@northwind.test", "Lee Adams", "northwind", Role.TEAM_ADMIN, "Service Desk"),
    DemoUser("alex@northwind.test", "Alex Rivera", "northwind", Role.ENGINEER, "Service Desk"),
    DemoUser("sam@northwind.test", "Sam Patel", "northwind", Role.ENGINEER, "Service Desk"),
    DemoUser("owner@contoso.test", "Chris Contoso", "contoso", Role.OWNER),
    DemoUser("eng@contoso.test", "Eli Engineer", "contoso", Role.ENGINEER),
]


def non_demo_accounts():
    """Accounts that the demo did not create: a database holding any is not a demo database."""
    return Account.objects.exclude(slug__in=ACCOUNTS)


@transaction.atomic
def seed_accounts(reset_passwords: bool = False) -> dict[str, Account]:
    """Create (or bring back to their demo state) the two accounts, their teams and the demo users.

    A demo user who already exists keeps the password they have unless `reset_passwords`.
    """
    accounts = {}
    for slug, (name, team_names) in ACCOUNTS.items():
        account, _ = Account.objects.update_or_create(slug=slug, defaults={"name": name})
        for team_name in team_names:
            Team.objects.get_or_create(account=account, name=team_name)
        accounts[slug] = account
    for demo in USERS:
        account = accounts[demo.account_slug]
        team = Team.objects.get(account=account, name=demo.team) if demo.team else None
        user, created = User.objects.update_or_create(
            email=demo.email,
            defaults={"full_name": demo.full_name, "account": account, "team": team, "role": demo.role},
        )
        if created or (reset_passwords and not user.check_password(DEMO_PASSWORD)):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
    return accounts


# Each app adds its demo data after the accounts exist: `seed(accounts) -> str` (a line for the log).
DEMO_STEPS = [
    "scripts.demo.seed",
    "knowledge.demo.seed",
    "flowpilot.demo.seed",
    "knowledge.demo.analyze",
]


def seed_all(reset_passwords: bool = False) -> list[str]:
    from django.utils.module_loading import import_string

    accounts = seed_accounts(reset_passwords=reset_passwords)
    return [import_string(step)(accounts) for step in DEMO_STEPS]


def logins_text() -> str:
    width = max(len(u.email) for u in USERS)
    lines = [f"Demo logins (password: {DEMO_PASSWORD})"]
    for demo in USERS:
        team = f", {demo.team}" if demo.team else ""
        lines.append(f"  {demo.email:<{width}}  {ACCOUNTS[demo.account_slug][0]}: {Role(demo.role).label}{team}")
    return "\n".join(lines)
