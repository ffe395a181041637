from django.db import migrations

NAME = "Knowledge Flywheel: analyze pending sessions"


def schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    # update_or_create by name: Schedule.name is not unique, and a plain create would add one per deploy.
    Schedule.objects.update_or_create(
        name=NAME,
        defaults={"func": "knowledge.tasks.analyze_pending_sessions", "schedule_type": "I", "minutes": 5,
                  "repeats": -1},
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0004_flywheel"), ("django_q", "0018_task_success_index")]

    operations = [migrations.RunPython(schedule, unschedule)]
