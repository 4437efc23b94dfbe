"""A workspace's storage policy becomes a history: `valid_from` (the first day it applies). Every existing row
gets a day far in the past, so every bill already computed re-runs with the same policy."""

import datetime

import django.utils.timezone
from django.db import migrations, models

FAR_PAST = datetime.date(2000, 1, 1)


def backfill_valid_from(apps, schema_editor):
    WorkspaceStoragePolicy = apps.get_model("workspaces", "WorkspaceStoragePolicy")
    WorkspaceStoragePolicy.objects.filter(valid_from__isnull=True).update(valid_from=FAR_PAST)


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0002_seed_catalogue"),
        ("workspaces", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="workspacestoragepolicy",
            options={
                "ordering": ["workspace_id", "billing_item_id", "valid_from"],
                "verbose_name": "workspace storage policy",
                "verbose_name_plural": "workspace storage policies",
            },
        ),
        migrations.RemoveConstraint(model_name="workspacestoragepolicy", name="workspace_storage_policy_unique_item"),
        migrations.AddField(
            model_name="workspacestoragepolicy",
            name="valid_from",
            field=models.DateField(null=True, verbose_name="valid from"),
        ),
        migrations.AddField(
            model_name="workspacestoragepolicy",
            name="chosen_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now, verbose_name="chosen at"),
            preserve_default=False,
        ),
        migrations.RunPython(backfill_valid_from, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="workspacestoragepolicy",
            name="valid_from",
            field=models.DateField(verbose_name="valid from"),
        ),
        migrations.AddConstraint(
            model_name="workspacestoragepolicy",
            constraint=models.UniqueConstraint(
                fields=("workspace", "billing_item", "valid_from"), name="workspace_storage_policy_unique_day"
            ),
        ),
    ]
