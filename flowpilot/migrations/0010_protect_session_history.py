"""A session's history stays: deleting its engineer, team, flow or script generation is refused (RESTRICT)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("flowpilot", "0009_drop_unanswered_closing_prompts"),
        ("knowledge", "0007_enhancements_belong_to_target_team"),
        ("resolutionflow", "0003_protect_team_members"),
        ("scripts", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="aisession",
            name="engineer",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.RESTRICT, related_name="ai_sessions", to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.AlterField(
            model_name="aisession",
            name="escalated_to_team",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="+",
                to="resolutionflow.team",
            ),
        ),
        migrations.AlterField(
            model_name="aisession",
            name="escalated_to_user",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="escalations",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="aisession",
            name="matched_flow",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="matched_sessions",
                to="knowledge.tree",
            ),
        ),
        migrations.AlterField(
            model_name="aisession",
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
            model_name="aisessionstep",
            name="flow",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="+",
                to="knowledge.tree",
            ),
        ),
        migrations.AlterField(
            model_name="aisessionstep",
            name="script_generation",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="+",
                to="scripts.scriptgeneration",
            ),
        ),
    ]
