# Escalations that get picked up: each hand-off and its pick-up (SessionHandoff), the inbox's indexes,
# and the day rollup's closed / picked-up counts.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Before this migration no session was ever picked up, so the three outcomes were exclusive.
FILL_CLOSED = "UPDATE flowpilot_sessionday SET closed = resolved + escalated + abandoned"


class Migration(migrations.Migration):
    dependencies = [
        ("flowpilot", "0011_analysis_schedule_in_flowpilot"),
        ("resolutionflow", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SessionHandoff",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("reason", models.TextField()),
                (
                    "handoff",
                    models.JSONField(
                        default=dict,
                        help_text='{"problem", "environment": [{"label", "value"}], "tried", "stopped_at", '
                        '"suspected_cause", "next_steps", "reason", "escalated_by", "escalated_to", "time_spent", '
                        '"source"}',
                    ),
                ),
                ("text", models.TextField(help_text="The hand-off as the page and the PSA's internal note show it.")),
                (
                    "source",
                    models.CharField(
                        choices=[("rules", "Rules"), ("llm", "FlowPilot AI")], default="rules", max_length=10
                    ),
                ),
                (
                    "steps_before",
                    models.PositiveIntegerField(default=0, help_text="Steps recorded when it was escalated."),
                ),
                ("escalated_at", models.DateTimeField()),
                ("picked_up_at", models.DateTimeField(blank=True, null=True)),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="resolutionflow.account"
                    ),
                ),
                (
                    "escalated_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.RESTRICT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "escalated_to_team",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.RESTRICT,
                        related_name="+",
                        to="resolutionflow.team",
                    ),
                ),
                (
                    "escalated_to_user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.RESTRICT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "picked_up_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.RESTRICT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "session",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="handoffs", to="flowpilot.aisession"
                    ),
                ),
            ],
            options={"ordering": ["session", "escalated_at"]},
        ),
        migrations.AddIndex(
            model_name="sessionhandoff",
            index=models.Index(fields=["escalated_by", "session"], name="handoff_escalated_by_idx"),
        ),
        migrations.AddIndex(
            model_name="sessionhandoff",
            index=models.Index(fields=["account", "picked_up_at"], name="handoff_account_picked_idx"),
        ),
        migrations.AddConstraint(
            model_name="sessionhandoff",
            constraint=models.UniqueConstraint(
                condition=models.Q(("picked_up_at__isnull", True)), fields=("session",), name="uniq_waiting_handoff"
            ),
        ),
        migrations.AddConstraint(
            model_name="sessionhandoff",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("picked_up_at__isnull", True), ("picked_up_by__isnull", True)),
                    models.Q(("picked_up_at__isnull", False), ("picked_up_by__isnull", False)),
                    _connector="OR",
                ),
                name="handoff_picked_up_by_and_at",
            ),
        ),
        migrations.AddIndex(
            model_name="aisession",
            index=models.Index(
                condition=models.Q(("status", "escalated")),
                fields=["escalated_to_user", "escalated_at"],
                name="session_waiting_user_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="aisession",
            index=models.Index(
                condition=models.Q(("status", "escalated")),
                fields=["escalated_to_team", "escalated_at"],
                name="session_waiting_team_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="aisession",
            index=models.Index(
                condition=models.Q(("status", "escalated")),
                fields=["account", "escalated_at"],
                name="session_waiting_idx",
            ),
        ),
        migrations.AddField(
            model_name="sessionday",
            name="closed",
            field=models.PositiveIntegerField(
                db_default=0,
                default=0,
                help_text="Resolved, escalated (even if picked up since) or abandoned: each once.",
            ),
        ),
        migrations.AddField(
            model_name="sessionday",
            name="picked_up",
            field=models.PositiveIntegerField(db_default=0, default=0, help_text="Hand-offs picked up."),
        ),
        migrations.AddField(
            model_name="sessionday",
            name="pickup_seconds",
            field=models.FloatField(db_default=0, default=0, help_text="Their waits, escalation to pick-up."),
        ),
        migrations.AlterField(
            model_name="sessionday",
            name="escalated",
            field=models.PositiveIntegerField(default=0, help_text="Escalated at least once, picked up or not."),
        ),
        migrations.RunSQL(FILL_CLOSED, migrations.RunSQL.noop),
    ]
