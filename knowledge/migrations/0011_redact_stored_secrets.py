"""Secrets that reached proposals before the detector existed are replaced by its marker (data only):
the title, description, proposed flow, diff and what was generalised."""

from django.db import migrations

from resolutionflow.redaction import redacted

BATCH = 200
FIELDS = ("title", "description", "proposed_flow_data", "proposed_diff", "generalised")


def _clean(value):
    if isinstance(value, str):
        return redacted(value)
    if isinstance(value, list):
        return [_clean(item) for item in value]
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    return value


def redact_proposals(apps, schema_editor):
    FlowProposal = apps.get_model("knowledge", "FlowProposal")
    changed = []
    for proposal in FlowProposal.objects.only("pk", *FIELDS).iterator(chunk_size=BATCH):
        clean = {name: _clean(getattr(proposal, name)) for name in FIELDS}
        if any(clean[name] != getattr(proposal, name) for name in FIELDS):
            for name, value in clean.items():
                setattr(proposal, name, value)
            changed.append(proposal)
        if len(changed) >= BATCH:
            FlowProposal.objects.bulk_update(changed, FIELDS)
            changed = []
    FlowProposal.objects.bulk_update(changed, FIELDS)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0010_generalisation")]

    operations = [migrations.RunPython(redact_proposals, migrations.RunPython.noop, elidable=True)]
