"""Ticket links and the PSA push outbox, and the sender's django-q2 schedule (every minute)."""

import django.db.models.deletion
import flowpilot.psa.push_models
from django.conf import settings
from django.db import migrations, models


SCHEDULE = "PSA: send due pushes"


def create_schedule(apps, schema_editor):
    # update_or_create by name: Schedule.name is not unique, and a plain create would add one per deploy.
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=SCHEDULE,
        defaults={"func": "flowpilot.psa.tasks.send_psa_pushes", "schedule_type": "I", "minutes": 1, "repeats": -1},
    )


def drop_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("flowpilot", "0015_redact_stored_secrets"),
        ("resolutionflow", "0005_demo_accounts_marked"),
        ("django_q", "0018_task_success_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PsaPush",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("note", "Documentation note"),
                            ("time_entry", "Time entry"),
                            ("handoff_note", "Hand-off note"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "payload",
                    models.JSONField(
                        help_text='note: {"internal", "resolution"} (+ "handoff_id" for a hand-off; the text is read '
                        'when sent); time entry: {"start", "end", "hours", "notes"}'
                    ),
                ),
                (
                    "marker",
                    models.CharField(
                        default=flowpilot.psa.push_models.new_marker, editable=False, max_length=60, unique=True
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("failed", "Failed"),
                            ("succeeded", "Succeeded"),
                            ("dead", "Dead"),
                        ],
                        default="pending",
                        max_length=20,
                    ),
                ),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                ("next_attempt_at", models.DateTimeField(blank=True, null=True)),
                ("lease_until", models.DateTimeField(blank=True, help_text="A sender's claim (its token).", null=True)),
                ("last_error", models.CharField(blank=True, max_length=500)),
                ("ticket_id", models.CharField(blank=True, help_text="The ticket it was written to.", max_length=100)),
                (
                    "external_id",
                    models.CharField(blank=True, help_text="The note or time entry's id in the PSA.", max_length=100),
                ),
                ("first_attempt_succeeded", models.BooleanField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        db_index=False,
                        to="resolutionflow.account",
                    ),
                ),
                (
                    "engineer",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        help_text="Whose work it is: the PSA member, agent or resource it is written as.",
                        null=True,
                        on_delete=django.db.models.deletion.RESTRICT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "session",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="psa_pushes", to="flowpilot.aisession"
                    ),
                ),
            ],
            options={
                "ordering": ["created_at", "id"],
                "indexes": [
                    models.Index(fields=["account", "created_at"], name="flowpilot_p_account_76ad8c_idx"),
                    models.Index(
                        condition=models.Q(("status__in", ["pending", "failed"])),
                        fields=["next_attempt_at"],
                        name="psapush_due",
                    ),
                    models.Index(
                        condition=models.Q(("status", "dead")), fields=["account", "status"], name="psapush_dead"
                    ),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("kind__in", ["note", "time_entry", "handoff_note"])),
                        name="psapush_kind_known",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="TicketLink",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                (
                    "provider",
                    models.CharField(
                        choices=[("connectwise", "Connectwise"), ("halopsa", "Halopsa"), ("autotask", "Autotask")],
                        max_length=20,
                    ),
                ),
                ("number", models.CharField(help_text="The ticket number the engineer gave.", max_length=100)),
                ("ticket_id", models.CharField(blank=True, help_text="The PSA's id, once verified.", max_length=100)),
                ("summary", models.CharField(blank=True, max_length=300)),
                ("company", models.CharField(blank=True, max_length=200)),
                (
                    "status",
                    models.CharField(
                        choices=[("verified", "Verified"), ("unverified", "Unverified"), ("not_found", "Not found")],
                        default="unverified",
                        max_length=20,
                    ),
                ),
                ("verified_at", models.DateTimeField(blank=True, null=True)),
                ("checked_at", models.DateTimeField(blank=True, null=True)),
                ("check_error", models.CharField(blank=True, max_length=300)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="resolutionflow.account"
                    ),
                ),
                (
                    "linked_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "session",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="ticket_link",
                        to="flowpilot.aisession",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["account", "created_at"], name="flowpilot_t_account_167e39_idx"),
                    models.Index(
                        condition=models.Q(("status", "unverified")),
                        fields=["checked_at"],
                        name="ticketlink_unverified",
                    ),
                ],
            },
        ),
        migrations.RunPython(create_schedule, drop_schedule),
    ]
