"""A generalisation term is one row per account whatever its case: two admins adding "Acme" and "ACME" at the
same moment could leave two rows under the old, case-sensitive constraint. Such pairs keep their newest row."""

import django.db.models.functions.text
from django.db import migrations, models


def keep_newest_of_each_term(apps, schema_editor):
    term_model = apps.get_model("knowledge", "GeneralisationTerm")
    seen = set()
    for row in term_model.objects.order_by("-id").only("id", "account_id", "term"):
        key = (row.account_id, row.term.lower())
        if key in seen:
            row.delete()
        seen.add(key)


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0012_llm_enhancement_operations"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="generalisationterm", name="uniq_generalisation_term"),
        migrations.RunPython(keep_newest_of_each_term, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="generalisationterm",
            constraint=models.UniqueConstraint(
                models.F("account"), django.db.models.functions.text.Lower("term"), name="uniq_generalisation_term_ci"
            ),
        ),
    ]
