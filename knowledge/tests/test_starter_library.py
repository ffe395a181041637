from django.core.management import call_command

from knowledge.envelope import clean_envelope
from knowledge.models import Origin, Tree
from knowledge.starter import import_starter_library, starter_envelopes
from knowledge.tree_format import iter_nodes


def test_every_starter_flow_is_valid_and_substantial(settings):
    flows = starter_envelopes()

    assert len(flows) >= 25
    assert len({f["slug"] for f in flows}) == len(flows)
    for flow in flows:
        envelope = clean_envelope({k: v for k, v in flow.items() if k != "slug"}, domains=settings.PROBLEM_DOMAINS)
        assert len(envelope["match_keywords"]) >= 5, flow["slug"]
        if envelope["tree_type"] == "troubleshooting":
            nodes = list(iter_nodes(envelope["tree_structure"]))
            assert len(nodes) >= 7, flow["slug"]
            assert sum(ref.node["type"] == "solution" for ref in nodes) >= 2, flow["slug"]


def test_importing_into_a_new_account_publishes_every_flow_once(northwind):
    first = import_starter_library(northwind)
    again = import_starter_library(northwind)

    assert len(first) == len(starter_envelopes()) and again == []
    tree = Tree.objects.for_account(northwind).get(slug="ad-account-lockout")
    assert tree.origin == Origin.IMPORTED and tree.version == 1 and tree.embedding is not None


def test_the_import_command_takes_an_account_slug(northwind, capsys):
    call_command("import_starter_flows", "northwind")

    assert f"{len(starter_envelopes())} starter flows imported into Northwind IT" in capsys.readouterr().out
