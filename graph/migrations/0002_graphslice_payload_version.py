"""The payload (format) version joins the slice key. Stored slices were drawn with format 1."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("graph", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="graphslice", name="graph_slice_per_version"),
        migrations.AddField(
            model_name="graphslice",
            name="payload_version",
            field=models.PositiveIntegerField(default=1),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="graphslice",
            constraint=models.UniqueConstraint(
                fields=("researcher", "data_version", "payload_version"),
                name="graph_slice_per_version",
            ),
        ),
    ]
