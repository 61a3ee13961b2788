# The site search's GIN index also holds year and type (btree_gin), so a search filtered by
# them reads only the works that match everything (works.search). The new index is built
# before the old one goes, so searching never loses its index.

import django.contrib.postgres.indexes
from django.contrib.postgres.operations import BtreeGinExtension
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('works', '0005_work_open_access'),
    ]

    operations = [
        BtreeGinExtension(),
        migrations.AddIndex(
            model_name='work',
            index=django.contrib.postgres.indexes.GinIndex(fields=['search_document', 'publication_year', 'work_type'], name='work_search_year_type'),
        ),
        migrations.RemoveIndex(
            model_name='work',
            name='work_search_document',
        ),
    ]
