"""A usage record's workspace and account are checked by one composite foreign key,
(workspace_id, account_id) -> workspaces_workspace (id, account_id), instead of two separate keys
(docs/RULES-quota.md "Usage"). It says more (the record's account is its workspace's account, which two
separate keys did not) and costs one check per inserted row instead of two: ingestion inserts up to 5,000
rows a request (BENCHMARKS.md). The model keeps both ForeignKeys with db_constraint=False (Django has no
composite foreign key); deleting a workspace or an account with usage is still refused by their PROTECT.
Existing rows are validated when the key is added. The reverse restores the two keys."""

import django.db.models.deletion
from django.db import migrations, models

TABLE = "quota_usagerecord"
ACCOUNT_FK = "quota_usagerecord_account_id_752adc5e_fk_workspaces_account_id"
WORKSPACE_FK = "quota_usagerecord_workspace_id_ea55df27_fk_workspace"
COMPOSITE_FK = "usage_workspace_of_account_fk"

FORWARD = f"""
ALTER TABLE {TABLE} ADD CONSTRAINT {COMPOSITE_FK} FOREIGN KEY (workspace_id, account_id)
    REFERENCES workspaces_workspace (id, account_id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS {ACCOUNT_FK};
ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS {WORKSPACE_FK};
"""

BACKWARD = f"""
ALTER TABLE {TABLE} ADD CONSTRAINT {ACCOUNT_FK} FOREIGN KEY (account_id)
    REFERENCES workspaces_account (id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE {TABLE} ADD CONSTRAINT {WORKSPACE_FK} FOREIGN KEY (workspace_id)
    REFERENCES workspaces_workspace (id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS {COMPOSITE_FK};
"""


class Migration(migrations.Migration):
    dependencies = [
        ("quota", "0007_admin_verbose_names"),
        ("workspaces", "0005_workspace_id_account_pair"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, BACKWARD)],
            state_operations=[
                migrations.AlterField(
                    model_name="usagerecord", name="account",
                    field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT,
                                            related_name="+", to="workspaces.account"),
                ),
                migrations.AlterField(
                    model_name="usagerecord", name="workspace",
                    field=models.ForeignKey(db_constraint=False, db_index=False,
                                            on_delete=django.db.models.deletion.PROTECT, related_name="usage",
                                            to="workspaces.workspace"),
                ),
            ],
        ),
    ]
