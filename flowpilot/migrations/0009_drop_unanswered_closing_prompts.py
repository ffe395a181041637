"""Closed sessions recorded before the engine dropped it keep no step for their last, unanswered capture
prompt (engine._drop_unanswered_prompt applies the same rule at every close)."""

from django.db import migrations
from django.db.models import OuterRef, Q, Subquery


def drop_unanswered_closing_prompts(apps, schema_editor):
    Step = apps.get_model("flowpilot", "AISessionStep")
    last_order = Step.objects.filter(session=OuterRef("session")).order_by("-order").values("order")[:1]
    (
        Step.objects.filter(step_type="capture", answered_at__isnull=True, script_generation__isnull=True)
        .filter(Q(notes=[]) | Q(notes__isnull=True))
        .exclude(session__status="active")
        .filter(order=Subquery(last_order))
        .delete()
    )


class Migration(migrations.Migration):
    dependencies = [("flowpilot", "0008_step_script_generation")]

    operations = [migrations.RunPython(drop_unanswered_closing_prompts, migrations.RunPython.noop)]
