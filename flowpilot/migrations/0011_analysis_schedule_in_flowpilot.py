"""The flywheel's schedule runs flowpilot's task: the analysis queue moved from knowledge to flowpilot."""

from django.db import migrations

NAME = "Knowledge Flywheel: analyze pending sessions"  # the row knowledge 0005 created
FUNC = "flowpilot.tasks.analyze_pending_sessions"
OLD_FUNC = "knowledge.tasks.analyze_pending_sessions"


def point_to(func):
    def run(apps, schema_editor):
        # update_or_create by name: Schedule.name is not unique, and a plain create would add one per deploy.
        apps.get_model("django_q", "Schedule").objects.update_or_create(
            name=NAME, defaults={"func": func, "schedule_type": "I", "minutes": 5, "repeats": -1}
        )

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("flowpilot", "0010_protect_session_history"),
        ("knowledge", "0005_flywheel_schedule"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [migrations.RunPython(point_to(FUNC), point_to(OLD_FUNC))]
