import factory
from django.contrib.auth.hashers import make_password

from resolutionflow.models import Account, LLMCall, Role, Team, User

DEFAULT_PASSWORD = "correct-horse-battery"


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Account {n}")
    slug = factory.LazyAttribute(lambda a: a.name.lower().replace(" ", "-"))


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name")
    account = factory.SubFactory(AccountFactory)
    team = None
    role = Role.ENGINEER
    password = factory.LazyFunction(lambda: make_password(DEFAULT_PASSWORD))


class LLMCallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LLMCall

    account = factory.SubFactory(AccountFactory)
    purpose = "flywheel"
    provider = "anthropic"
    model = "claude-test"
    input_tokens = 1000
    output_tokens = 500
    latency_ms = 1200
    outcome = "ok"
