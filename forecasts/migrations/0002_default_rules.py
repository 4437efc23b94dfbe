"""The default warning rules for the accounts that exist already (new accounts get them from a post_save
receiver): quota at 80 % and 100 %, runway below 7 days. Reversing removes the rules nobody changed."""

from django.db import migrations


def forwards(apps, schema_editor):
    Account = apps.get_model("workspaces", "Account")
    WarningRule = apps.get_model("forecasts", "WarningRule")
    have = set(WarningRule.objects.values_list("account_id", flat=True))
    rules = []
    for account_id in Account.objects.exclude(pk__in=have).values_list("pk", flat=True).iterator():
        rules += [WarningRule(account_id=account_id, kind="quota", percent=p) for p in (80, 100)]
        rules.append(WarningRule(account_id=account_id, kind="low_balance", runway_days=7))
    WarningRule.objects.bulk_create(rules, batch_size=1000)


def backwards(apps, schema_editor):
    WarningRule = apps.get_model("forecasts", "WarningRule")
    WarningRule.objects.filter(kind="quota", percent__in=[80, 100], package__isnull=True, billing_item__isnull=True,
                               consecutive_days=1).delete()
    WarningRule.objects.filter(kind="low_balance", runway_days=7, balance_below__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("forecasts", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
