import factory

from knowledge.models import Tree
from knowledge.services import create_flow
from resolutionflow.tests.factories import AccountFactory


def simple_tree(prefix="n", question="Is the account locked out?", options=("Yes", "No")):
    return {
        "id": f"{prefix}-root",
        "type": "question",
        "question": question,
        "children": [
            {"id": f"{prefix}-{i}", "label": label, "type": "solution", "resolution": f"Resolution for {label}."}
            for i, label in enumerate(options)
        ],
    }


class TreeFactory(factory.django.DjangoModelFactory):
    """A flow made through `create_flow`, so it is validated, versioned, embedded and searchable."""

    class Meta:
        model = Tree

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"Flow {n}")
    description = "A troubleshooting flow."
    tree_type = "troubleshooting"
    problem_domain = "active_directory"
    match_keywords = factory.LazyFunction(list)
    tree_structure = factory.LazyFunction(simple_tree)
    team = None
    slug = ""
    publish = True
    created_by = None

    @classmethod
    def _create(cls, model_class, account, publish, created_by, team, slug, **envelope):
        return create_flow(account, envelope, author=created_by, team=team, publish=publish, slug=slug)
