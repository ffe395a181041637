import factory

from flowpilot.tests.factories import AISessionFactory
from knowledge.models import FlowProposal
from knowledge.tests.factories import simple_tree


def envelope(name="Plotter prints blank pages", **overrides):
    return {
        "name": name,
        "description": "Blank output",
        "tree_type": "troubleshooting",
        "problem_domain": "printing",
        "match_keywords": ["plotter"],
        "tree_structure": simple_tree(),
        **overrides,
    }


class ProposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FlowProposal

    source_session = factory.SubFactory(AISessionFactory, engineer=factory.SelfAttribute("..engineer"))
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
