from django.core.management import call_command

from knowledge.models import Tree
from knowledge.tests.factories import TreeFactory
from resolutionflow.ai.embeddings.registry import reembed


def test_reembed_rebuilds_flows_made_by_another_model(northwind):
    current = TreeFactory(account=northwind)
    stale = TreeFactory(account=northwind, name="Printer offline")
    Tree.objects.filter(pk=stale.pk).update(embedding=[0.0] * 1023 + [1.0], embedding_model="voyage:voyage-3.5")

    counts = reembed(["flows"], stale_only=True)

    assert counts == {"flows": 1}
    stale.refresh_from_db()
    assert stale.embedding_model == "local:all-MiniLM-L6-v2"
    assert abs(sum(v * v for v in stale.embedding) - 1.0) < 1e-4
    current.refresh_from_db()
    assert current.embedding_model == "local:all-MiniLM-L6-v2"


def test_a_flow_of_another_model_is_never_matched_until_reembedded(northwind):
    from knowledge.matching import match

    tree = TreeFactory(account=northwind, name="AD account lockout")
    Tree.objects.filter(pk=tree.pk).update(embedding_model="voyage:voyage-3.5")
    assert match(northwind, "account locked out") == []

    call_command("reembed_flows", "--stale")

    assert [t.pk for t, _ in match(northwind, "account locked out")] == [tree.pk]


def test_the_reembed_command_reports_counts(northwind, capsys):
    TreeFactory.create_batch(2, account=northwind)

    call_command("reembed", "flows")

    assert "flows: 2 re-embedded with local:all-MiniLM-L6-v2" in capsys.readouterr().out
