"""A team with members is not deleted (RESTRICT): its members are moved to another team first."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("resolutionflow", "0002_cache_table"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="team",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="members",
                to="resolutionflow.team",
            ),
        ),
    ]
