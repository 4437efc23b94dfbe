"""An (account, day) index on the usage records, for the lookups by account in the order of the days (the
usage admin's search by account id, docs/RULES-quota.md). The table is partitioned by month (migration 0005):
the index is created on the partitioned parent, which creates it on every partition (and on every partition
created later, quota/partitions.py). It replaces the account's single-column index, which it covers.

CREATE INDEX on a partitioned table cannot be CONCURRENTLY: each partition is locked against writes while its
index is built (ingestion waits). Run it outside the night and the ingestion peaks."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("plans", "0007_admin_verbose_names_zh"),
        ("quota", "0012_bill_line_amount_verbose_name"),
        ("workspaces", "0009_admin_verbose_names_zh"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="usagerecord",
            index=models.Index(fields=["account", "day"], name="quota_usage_account_day_idx"),
        ),
        migrations.AlterField(
            model_name="usagerecord",
            name="account",
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="workspaces.account", verbose_name="account"),
        ),
    ]
