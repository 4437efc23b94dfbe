"""APM trace and RUM PV at 30 and 60 days deducted x1 under a package, so longer retention was cheaper than
14 days (x2): 10,000,000 traces at 60 days cost 15.00 of overage, at 14 days 45.00. This announces a new
version of those four policies with factors equal to their PAYG price ratio to the default (docs/PRODUCT.md
"The catalogue"): APM 30 d x6 (18 / 3), 60 d x20 (60 / 3); RUM 30 d x6 (6 / 1), 60 d x20 (20 / 1). Prices
are unchanged.

The version is dated, announced ahead: effective the first day of a month at least 30 days after the
furthest-ahead zone's today (the freeze day, plans/0005) when this migration runs. Packages already sold keep
the factors of their catalogue day; a package sold from that day on converts with these.

Replayed by the test suite after a flush (conftest `_reseed_migration_data`): it then adds the version again
for the catalogue 0002 has just re-seeded (it never adds a second one)."""

import datetime

from django.db import migrations

# item code, retention days, conversion factor
FACTORS = [("apm", 30, 6), ("apm", 60, 20), ("rum", 30, 6), ("rum", 60, 20)]
NOTICE = datetime.timedelta(days=30)


def _freeze_day(schema_editor) -> datetime.date:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT plans_freeze_day()")
        return cursor.fetchone()[0]


def effective_day(freeze_day: datetime.date) -> datetime.date:
    """The first day of a month on or after freeze_day + 30 days."""
    day = freeze_day + NOTICE
    if day.day == 1:
        return day
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def announce(apps, schema_editor):
    StoragePolicy = apps.get_model("plans", "StoragePolicy")
    StoragePolicyVersion = apps.get_model("plans", "StoragePolicyVersion")
    effective = effective_day(_freeze_day(schema_editor))
    for code, days, factor in FACTORS:
        policy = StoragePolicy.objects.filter(billing_item__code=code, retention_days=days).first()
        if policy is None:
            continue  # no catalogue (an emptied database): nothing to announce
        versions = StoragePolicyVersion.objects.filter(storage_policy=policy)
        if versions.filter(conversion_factor=factor).exists():
            continue
        base = versions.filter(effective_from__lte=effective).order_by("-effective_from").first()
        if base is None:
            continue
        StoragePolicyVersion.objects.create(
            storage_policy=policy, effective_from=effective, price=base.price, conversion_factor=factor
        )


def withdraw(apps, schema_editor):
    """Withdraw the announcement if its day has not come; once in force it is history (the trigger keeps it)."""
    StoragePolicyVersion = apps.get_model("plans", "StoragePolicyVersion")
    freeze_day = _freeze_day(schema_editor)
    for code, days, factor in FACTORS:
        StoragePolicyVersion.objects.filter(
            storage_policy__billing_item__code=code, storage_policy__retention_days=days,
            conversion_factor=factor, effective_from__gt=freeze_day,
        ).delete()


class Migration(migrations.Migration):
    dependencies = [("plans", "0005_freeze_from_furthest_ahead_zone")]
    operations = [migrations.RunPython(announce, withdraw)]
