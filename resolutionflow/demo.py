"""Demo accounts and logins, shared by `seed_demo`, `make run` and the README."""

from collections.abc import Callable
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


def non_demo_data(limit: int = 5) -> list[str]:
    """What this database holds that seed_demo did not make (at most `limit` of each kind).

    Empty for an empty database or one seed_demo made. Anything else is someone's: an account the demo did
    not create (whatever its slug), a user of an account who is not a demo user, or a platform operator in
    a database the demo has not been seeded into yet."""
    found = [f"account {a}" for a in Account.objects.exclude(slug__in=ACCOUNTS, is_demo=True)[:limit]]
    demo_emails = [demo.email for demo in USERS]
    strangers = User.objects.exclude(email__in=demo_emails)
    if Account.objects.filter(is_demo=True).exists():
        strangers = strangers.filter(account__isnull=False)  # operators of a demo database are its developers
    found += [f"user {email}" for email in strangers.values_list("email", flat=True)[:limit]]
    return found


@transaction.atomic
def seed_accounts(reset_passwords: bool = False) -> dict[str, Account]:
    """Create (or bring back to their demo state) the two accounts, their teams and the demo users.

    A demo user who already exists keeps the password they have unless `reset_passwords`.
    """
    accounts = {}
    for slug, (name, team_names) in ACCOUNTS.items():
        account, _ = Account.objects.update_or_create(slug=slug, defaults={"name": name, "is_demo": True})
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


# Each app adds its demo data after the accounts exist, registering its steps when it is ready (the core
# never names an app): `seed(accounts) -> str` (a line for the log), run in ascending `order`.
DEMO_STEPS: list[tuple[int, Callable[[dict[str, Account]], str]]] = []


# What each step is doing, for the progress `seed_demo` shows ("Sessions over 90 days").
DEMO_LABELS: dict[Callable, str] = {}
# The steps that make the demo's past (sessions, pushes, analyses, scripts): `seed_demo --without-history`
# leaves them out (the load smoke's people need the flows, templates and PSA, not 90 days of sessions).
HISTORY_STEPS: set[Callable] = set()


def register_demo_step(
    order: int, seed: Callable[[dict[str, Account]], str], label: str = "", *, history: bool = False
) -> None:
    if (order, seed) not in DEMO_STEPS:
        DEMO_STEPS.append((order, seed))
    if label:
        DEMO_LABELS[seed] = label
    if history:
        HISTORY_STEPS.add(seed)


def demo_steps(reset_passwords: bool = False, *, history: bool = True) -> list[tuple[str, Callable[[], str]]]:
    """Every step of the demo in order, as (what it does, run it -> a line for the log); the accounts first.
    `history=False`: without the steps that make its past."""
    accounts: dict[str, Account] = {}

    def accounts_step() -> str:
        accounts.update(seed_accounts(reset_passwords=reset_passwords))
        return f"{len(ACCOUNTS)} accounts, {len(USERS)} demo users"

    steps = [("Accounts, teams and demo users", accounts_step)]
    for _order, seed in sorted(DEMO_STEPS, key=lambda step: step[0]):
        if not history and seed in HISTORY_STEPS:
            continue
        label = DEMO_LABELS.get(seed) or seed.__module__
        steps.append((label, lambda seed=seed: seed(accounts)))
    return steps


def seed_all(reset_passwords: bool = False) -> list[str]:
    return [run() for _label, run in demo_steps(reset_passwords)][1:]


def is_seeded() -> bool:
    """Has the demo been loaded into this database (every demo account and user there)?"""
    return Account.objects.filter(slug__in=ACCOUNTS, is_demo=True).count() == len(ACCOUNTS) and User.objects.filter(
        email__in=[demo.email for demo in USERS]
    ).count() == len(USERS)


def logins_text() -> str:
    width = max(len(u.email) for u in USERS)
    lines = [f"Demo logins (password: {DEMO_PASSWORD})"]
    for demo in USERS:
        team = f", {demo.team}" if demo.team else ""
        lines.append(f"  {demo.email:<{width}}  {ACCOUNTS[demo.account_slug][0]}: {Role(demo.role).label}{team}")
    return "\n".join(lines)
