import factory

from resolutionflow.tests.factories import AccountFactory, UserFactory
from scripts.models import ScriptCategory, ScriptGeneration, ScriptTemplate

UNLOCK_BODY = "$User = {{sam_account_name}}\nUnlock-ADAccount -Identity $User\n"
UNLOCK_SCHEMA = {
    "parameters": [{"key": "sam_account_name", "label": "User", "type": "sam_account_name", "required": True}]
}


class ScriptCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScriptCategory
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class ScriptTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScriptTemplate

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"Unlock user {n}")
    slug = factory.Sequence(lambda n: f"unlock-user-{n}")
    description = "Unlock an Active Directory account."
    category = factory.SubFactory(ScriptCategoryFactory)
    body = UNLOCK_BODY
    parameters_schema = factory.LazyFunction(lambda: {"parameters": [dict(p) for p in UNLOCK_SCHEMA["parameters"]]})


class ScriptGenerationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScriptGeneration

    user = factory.SubFactory(UserFactory)
    account = factory.LazyAttribute(lambda g: g.user.account)
    template = factory.SubFactory(ScriptTemplateFactory, account=factory.SelfAttribute("..account"))
    template_name = factory.LazyAttribute(lambda g: g.template.name)
    template_version = 1
    parameters = factory.LazyFunction(lambda: {"sam_account_name": "jsmith"})
    script = "$User = 'jsmith'\nUnlock-ADAccount -Identity $User\n"
