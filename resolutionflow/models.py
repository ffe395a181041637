"""Tenancy: the Account (an MSP), its Teams and Users, and the log of LLM calls.

Every row that holds customer data belongs to an Account. Models that do inherit `AccountOwned`, whose
default manager has `.for_account(account)`: the one place a queryset is scoped to a tenant.
"""

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.functional import cached_property


class Account(models.Model):
    """An MSP: the tenant. Nothing of one account is ever visible to another."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    time_zone = models.CharField(max_length=64, default=settings.ANALYTICS_TIME_ZONE)
    is_demo = models.BooleanField(default=False, editable=False, help_text="Made by seed_demo.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class AccountScopedQuerySet(models.QuerySet):
    def for_account(self, account):
        """Rows of `account` only; no account (a platform operator's request) sees nothing."""
        if account is None:
            return self.none()
        return self.filter(account=account)


AccountScopedManager = models.Manager.from_queryset(AccountScopedQuerySet)


class AccountOwned(models.Model):
    """Abstract base for every model that holds customer data."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")

    objects = AccountScopedManager()

    class Meta:
        abstract = True


class Team(AccountOwned):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["account", "name"], name="uniq_team_name_per_account")]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    ENGINEER = "engineer", "Engineer"
    TEAM_ADMIN = "team_admin", "Team admin"
    OWNER = "owner", "Owner"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)

    def for_account(self, account):
        if account is None:
            return self.none()
        return self.filter(account=account)


class User(AbstractUser):
    """A person who signs in with an e-mail address.

    Engineers, team admins and owners belong to one Account (and optionally a Team). Superusers are
    platform operators: they work in the Django admin and may have no account.
    """

    username = None
    first_name = None
    last_name = None
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField("e-mail address", unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, null=True, blank=True, related_name="users")
    team = models.ForeignKey(Team, on_delete=models.RESTRICT, null=True, blank=True, related_name="members")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.ENGINEER)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]
        indexes = [models.Index(fields=["account", "role"])]

    def __str__(self):
        return self.full_name or self.email

    @property
    def display_name(self) -> str:
        return self.full_name or self.email.split("@")[0]

    @property
    def is_owner(self) -> bool:
        return self.account_id is not None and self.role == Role.OWNER

    @property
    def is_team_admin(self) -> bool:
        return self.account_id is not None and self.role == Role.TEAM_ADMIN

    @property
    def is_admin(self) -> bool:
        """A team admin or an owner: may review proposals, edit flows and read analytics."""
        return self.is_owner or self.is_team_admin

    def can_administer_team(self, team_id) -> bool:
        """Owners administer every team; a team admin their own team and team-less items."""
        if self.is_owner:
            return True
        return self.is_team_admin and (team_id is None or team_id == self.team_id)

    @cached_property
    def initials(self) -> str:
        parts = self.display_name.replace(".", " ").split()
        return "".join(p[0] for p in parts[:2]).upper() or "?"


class LLMOutcome(models.TextChoices):
    OK = "ok", "OK"
    INVALID_OUTPUT = "invalid_output", "Invalid output"
    RATE_LIMITED = "rate_limited", "Rate limited"
    TIMEOUT = "timeout", "Timed out"
    ERROR = "error", "Provider error"


class LLMCall(models.Model):
    """One call to an LLM provider: what it was for, what it cost, how it went.

    The flywheel's daily budget counts these rows; the admin sums them per account and day.
    """

    id = models.BigAutoField(primary_key=True)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    purpose = models.CharField(max_length=64)
    provider = models.CharField(max_length=32)
    model = models.CharField(max_length=100)
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    latency_ms = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=20, choices=LLMOutcome.choices)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AccountScopedManager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["account", "purpose", "created_at"])]
        verbose_name = "LLM call"

    def __str__(self):
        return f"{self.purpose} ({self.outcome})"

    @property
    def estimated_cost_usd(self) -> float:
        return estimate_cost_usd(self.input_tokens, self.output_tokens)


def estimate_cost_usd(input_tokens: int, output_tokens: int) -> float:
    return (
        input_tokens * settings.LLM_PRICE_INPUT_PER_MTOK + output_tokens * settings.LLM_PRICE_OUTPUT_PER_MTOK
    ) / 1_000_000


class RateCount(models.Model):
    """How many requests one client made in the current window of one rate limit (resolutionflow/throttling.py).

    Not customer data: a key is a limit's scope and a user id, e-mail or IP. The table is UNLOGGED
    (migration 0004): a count lost in a crash only resets a one-minute window, and commits stay cheap."""

    key = models.CharField(max_length=512, primary_key=True)
    window_start = models.BigIntegerField(help_text="Unix time the window began.")
    hits = models.PositiveIntegerField()

    class Meta:
        verbose_name = "rate-limit count"

    def __str__(self):
        return f"{self.key}: {self.hits}"
