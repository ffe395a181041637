"""Factories for knowledge's rows (flows, proposals) and for the tree structures flows carry.

A tree structure is a plain dict (`knowledge.tree_format`), so its factories are `DictFactory`s: a test
names only what it is about (`QuestionTreeFactory(options=("Yes", "No", "Paper jam"))`) and the rest is a
valid default. `LockoutTreeFactory` is the account-lockout tree the editor, diff and engine tests walk.
"""

import factory

from knowledge.models import FlowProposal, Tree
from knowledge.services import create_flow
from resolutionflow.tests.factories import AccountFactory


class SolutionNodeFactory(factory.DictFactory):
    """A solution node; pass `open=True` for an open end (nobody has explored it yet)."""

    id = factory.Sequence(lambda n: f"solution-{n}")
    label = "Yes"
    type = "solution"
    resolution = factory.LazyAttribute(lambda node: f"Resolution for {node.label}.")


class ActionNodeFactory(factory.DictFactory):
    """An action node with one next step (a solution) unless `children=[]` is given."""

    id = factory.Sequence(lambda n: f"action-{n}")
    label = "Yes"
    type = "action"
    instructions = "Unlock it in ADUC."
    children = factory.LazyAttribute(
        lambda node: [SolutionNodeFactory(id=f"{node.id}-done", label="Unlocked", resolution="Unlocked.")]
    )


class QuestionTreeFactory(factory.DictFactory):
    """A troubleshooting tree: a root question whose options each end in a solution.

    `options` names the answers; `prefix` keeps the ids of several trees in one test apart."""

    class Params:
        prefix = "n"
        options = ("Yes", "No")

    id = factory.LazyAttribute(lambda tree: f"{tree.prefix}-root")
    type = "question"
    question = "Is the account locked out?"
    children = factory.LazyAttribute(
        lambda tree: [SolutionNodeFactory(id=f"{tree.prefix}-{i}", label=label) for i, label in enumerate(tree.options)]
    )


class LockoutTreeFactory(factory.DictFactory):
    """Is the account locked out? Yes → unlock it (→ Unlocked), No → reset the password, Can't tell → an open end.

    Ids: root, locked, done, no, unsure. `script` puts a script reference on the unlock action."""

    class Params:
        script = None

    id = "root"
    type = "question"
    question = "Is the account locked out?"
    children = factory.LazyAttribute(
        lambda tree: [
            ActionNodeFactory(
                id="locked",
                children=[SolutionNodeFactory(id="done", label="Unlocked", resolution="Unlocked.")],
                **({"script": tree.script} if tree.script else {}),
            ),
            SolutionNodeFactory(id="no", label="No", resolution="Reset the password."),
            SolutionNodeFactory(id="unsure", label="Can't tell", resolution="?", open=True),
        ]
    )


def envelope(name="Plotter prints blank pages", **overrides):
    """A flow's envelope as the import, the API and proposals carry it."""
    return {
        "name": name,
        "description": "Blank output",
        "tree_type": "troubleshooting",
        "problem_domain": "printing",
        "match_keywords": ["plotter"],
        "tree_structure": QuestionTreeFactory(),
        **overrides,
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
    tree_structure = factory.SubFactory(QuestionTreeFactory)
    team = None
    slug = ""
    publish = True
    created_by = None

    @classmethod
    def _create(cls, model_class, account, publish, created_by, team, slug, **envelope):
        return create_flow(account, envelope, author=created_by, team=team, publish=publish, slug=slug)


class ProposalFactory(factory.django.DjangoModelFactory):
    """A pending new-flow proposal from a session of `engineer` (a flowpilot session row: named by path,
    as flowpilot's factories import these)."""

    class Meta:
        model = FlowProposal

    source_session = factory.SubFactory(
        "flowpilot.tests.factories.AISessionFactory", engineer=factory.SelfAttribute("..engineer")
    )
    account = factory.LazyAttribute(lambda p: p.source_session.account)
    team = factory.LazyAttribute(lambda p: p.source_session.team)
    proposal_type = "new_flow"
    title = factory.Sequence(lambda n: f"Proposal {n}")
    description = "From a capture session"
    proposed_flow_data = factory.LazyAttribute(lambda p: envelope(p.title))
    confidence_score = 0.6
    supporting_session_ids = factory.LazyAttribute(lambda p: [str(p.source_session.pk)])
    problem_domain = "printing"
    status = "pending"

    class Params:
        engineer = None
