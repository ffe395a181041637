"""Templates and generations keep their team, authors, sessions and originals: deleting those is refused (RESTRICT)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("flowpilot", "0010_protect_session_history"),
        ("resolutionflow", "0003_protect_team_members"),
        ("scripts", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="scriptgeneration",
            name="ai_session",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="script_generations",
                to="flowpilot.aisession",
            ),
        ),
        migrations.AlterField(
            model_name="scriptgeneration",
            name="template",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="generations",
                to="scripts.scripttemplate",
            ),
        ),
        migrations.AlterField(
            model_name="scriptgeneration",
            name="user",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="script_generations",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="scripttemplate",
            name="copied_from",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="+",
                to="scripts.scripttemplate",
            ),
        ),
        migrations.AlterField(
            model_name="scripttemplate",
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
            model_name="scripttemplate",
            name="team",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty: account-wide.",
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="+",
                to="resolutionflow.team",
            ),
        ),
    ]
