"""History is protected: a flow's versions, drafts, proposals (the seed's source_session CASCADE included) no
longer go away with a flow, a session, a user or a team (RESTRICT); only erasing a whole Account removes them,
which is why a version now belongs to its flow's Account too."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def versions_take_their_flows_account(apps, schema_editor):
    TreeVersion = apps.get_model("knowledge", "TreeVersion")
    Tree = apps.get_model("knowledge", "Tree")
    TreeVersion.objects.update(
        account_id=Subquery(Tree.objects.filter(pk=OuterRef("tree_id")).values("account_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("flowpilot", "0010_protect_session_history"),
        ("knowledge", "0007_enhancements_belong_to_target_team"),
        ("resolutionflow", "0003_protect_team_members"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="treeversion",
            name="account",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="resolutionflow.account"
            ),
        ),
        migrations.RunPython(versions_take_their_flows_account, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="treeversion",
            name="account",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="resolutionflow.account"
            ),
        ),
        migrations.AlterField(
            model_name="flowdraft",
            name="author",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.RESTRICT, related_name="+", to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.AlterField(
            model_name="flowdraft",
            name="published_flow",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="+",
                to="knowledge.tree",
            ),
        ),
        migrations.AlterField(
            model_name="flowdraft",
            name="target_flow",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="drafts",
                to="knowledge.tree",
            ),
        ),
        migrations.AlterField(
            model_name="flowproposal",
            name="published_flow",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="+",
                to="knowledge.tree",
            ),
        ),
        migrations.AlterField(
            model_name="flowproposal",
            name="reviewed_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="flowproposal",
            name="source_session",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.RESTRICT, related_name="proposals", to="flowpilot.aisession"
            ),
        ),
        migrations.AlterField(
            model_name="flowproposal",
            name="target_flow",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="+",
                to="knowledge.tree",
            ),
        ),
        migrations.AlterField(
            model_name="flowproposal",
            name="team",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="+",
                to="resolutionflow.team",
            ),
        ),
        migrations.AlterField(
            model_name="tree",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="tree",
            name="source_session",
            field=models.ForeignKey(
                blank=True,
                help_text="The session this flow was learned from (flywheel proposals).",
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="+",
                to="flowpilot.aisession",
            ),
        ),
        migrations.AlterField(
            model_name="tree",
            name="team",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="+",
                to="resolutionflow.team",
            ),
        ),
        migrations.AlterField(
            model_name="treeversion",
            name="author",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="treeversion",
            name="tree",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.RESTRICT, related_name="versions", to="knowledge.tree"
            ),
        ),
    ]
