"""Cheaper importer lookups and fewer indexes per citation edge (issue 12).

- Works are unique by OpenAlex id through an index that carries `id` and `updated_date`: the
  importer's lookups (each record, each citation edge) become index-only scans.
- Citation edges lose the two single-column indexes their composite ones already serve, and the
  index by cited OpenAlex id keeps only the edges still waiting for their work.

The foreign keys' own indexes are dropped by name (Django's deterministic names), without
Django's usual drop and re-add of the foreign key constraint, which would re-check every edge.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("works", "0008_import_runs"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="work",
            constraint=models.UniqueConstraint(
                fields=("openalex_id",),
                include=("id", "updated_date"),
                name="work_openalex_id_once",
            ),
        ),
        migrations.AlterField(
            model_name="work",
            name="openalex_id",
            field=models.CharField(blank=True, max_length=32, null=True),
        ),
        migrations.AddIndex(
            model_name="citation",
            index=models.Index(
                condition=models.Q(("cited__isnull", True)),
                fields=["cited_openalex_id"],
                name="citation_pending_oa",
            ),
        ),
        migrations.RemoveIndex(
            model_name="citation",
            name="citation_cited_oa",
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="citation",
                    name="cited",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="cited_by",
                        to="works.work",
                    ),
                ),
                migrations.AlterField(
                    model_name="citation",
                    name="citing",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="references",
                        to="works.work",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS works_citation_cited_id_25956453",
                    "CREATE INDEX works_citation_cited_id_25956453 ON works_citation (cited_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS works_citation_citing_id_2529b645",
                    "CREATE INDEX works_citation_citing_id_2529b645 ON works_citation (citing_id)",
                ),
            ],
        ),
    ]
