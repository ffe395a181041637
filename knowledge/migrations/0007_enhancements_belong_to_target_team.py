"""An enhancement belongs to its target flow's team: existing ones took the session's team instead, which let
another team's admin review (and publish into) a flow that is not theirs."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def to_target_team(apps, schema_editor):
    FlowProposal = apps.get_model("knowledge", "FlowProposal")
    Tree = apps.get_model("knowledge", "Tree")
    FlowProposal.objects.exclude(proposal_type="new_flow").filter(target_flow__isnull=False).update(
        team_id=Subquery(Tree.objects.filter(pk=OuterRef("target_flow_id")).values("team_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0006_narrow_embedding_index")]

    # The teams the sessions had are not kept: going back leaves proposals with their target's team.
    operations = [migrations.RunPython(to_target_team, migrations.RunPython.noop)]
