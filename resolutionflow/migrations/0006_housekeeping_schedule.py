"""The daily housekeeping schedule (resolutionflow/housekeeping.py)."""

from django.db import migrations

SCHEDULE = "Housekeeping: expired rate counts and sessions"


def create_schedule(apps, schema_editor):
    # update_or_create by name: Schedule.name is not unique, and a plain create would add one per deploy.
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=SCHEDULE,
        defaults={"func": "resolutionflow.tasks.housekeeping", "schedule_type": "D", "repeats": -1},
    )


def drop_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("resolutionflow", "0005_demo_accounts_marked"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [migrations.RunPython(create_schedule, drop_schedule)]
