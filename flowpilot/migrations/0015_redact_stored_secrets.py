"""Secrets typed into sessions before the detector existed are replaced by its marker (data only).

Every free text a session keeps: the intake, answers, findings, notes, the transcript, the resolution,
feedback, reasons, documentation and hand-off. Irreversible by design: the secret is not kept anywhere.
"""

from django.db import migrations

from resolutionflow.redaction import redacted

BATCH = 500
SESSION_TEXTS = (
    "problem_summary",
    "resolution_summary",
    "documentation",
    "feedback",
    "escalation_reason",
    "handoff_summary",
    "abandon_reason",
)
STEP_TEXTS = ("free_text_input", "action_result")


def _clean(value):
    """A JSON value with every string redacted."""
    if isinstance(value, str):
        return redacted(value)
    if isinstance(value, list):
        return [_clean(item) for item in value]
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    return value


def redact_sessions(apps, schema_editor):
    AISession = apps.get_model("flowpilot", "AISession")
    AISessionStep = apps.get_model("flowpilot", "AISessionStep")
    fields = ("intake_content", "conversation_messages", *SESSION_TEXTS)
    changed = []
    for session in AISession.objects.only("pk", *fields).iterator(chunk_size=BATCH):
        dirty = False
        for name in fields:
            value = getattr(session, name)
            clean = _clean(value)
            if clean != value:
                setattr(session, name, clean)
                dirty = True
        if dirty:
            changed.append(session)
        if len(changed) >= BATCH:
            AISession.objects.bulk_update(changed, fields)
            changed = []
    AISession.objects.bulk_update(changed, fields)

    fields = ("content", "notes", *STEP_TEXTS)
    changed = []
    for step in AISessionStep.objects.only("pk", *fields).iterator(chunk_size=BATCH):
        dirty = False
        for name in fields:
            value = getattr(step, name)
            clean = _clean(value)
            if clean != value:
                setattr(step, name, clean)
                dirty = True
        if dirty:
            changed.append(step)
        if len(changed) >= BATCH:
            AISessionStep.objects.bulk_update(changed, fields)
            changed = []
    AISessionStep.objects.bulk_update(changed, fields)


class Migration(migrations.Migration):
    dependencies = [("flowpilot", "0014_psa_connection")]

    operations = [migrations.RunPython(redact_sessions, migrations.RunPython.noop, elidable=True)]
