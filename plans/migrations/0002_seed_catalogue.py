"""The China-site CNY catalogue of docs/PRODUCT.md ("The catalogue"). Finance edits it in admin afterwards."""

from decimal import Decimal

from django.db import migrations

# code, name, pricing unit, unit label, voucher payable, [(retention days, price, factor, default)]
ITEMS = [
    ("datakit", "DataKit", 1, "1 host", True, [(None, "3", 1, True)]),
    ("log", "Log data", 1_000_000, "1,000,000 entries", True,
     [(3, "1", 1, False), (7, "1.2", 1, False), (14, "1.5", 1, True), (30, "2", 2, False), (60, "2.5", 3, False)]),
    ("apm", "APM trace", 1_000_000, "1,000,000 traces", True,
     [(3, "2", 1, False), (7, "3", 1, True), (14, "6", 2, False), (30, "18", 1, False), (60, "60", 1, False)]),
    ("rum", "RUM page views (PV)", 10_000, "10,000 PV", True,
     [(3, "0.7", 1, False), (7, "1", 1, True), (14, "2", 2, False), (30, "6", 1, False), (60, "20", 1, False)]),
    ("task", "Task calls", 10_000, "10,000 calls", True, [(None, "1", 1, True)]),
    ("api", "API calls", 10_000, "10,000 calls", True, [(None, "1", 1, True)]),
    ("backup_log", "Backup logs", 10_000_000, "10,000,000 entries", True, [(None, "2", 1, True)]),
    ("sms", "SMS", 1, "1 message", False, [(None, "0.1", 1, True)]),
]

# code, name, price, rank, capacities
PLANS = [
    ("startup", "Startup Acceleration", "42000", 1,
     {"datakit": 20, "log": 40_000_000, "apm": 5_000_000, "rum": 400_000, "task": 190_000}),
    ("growth", "Growth Development", "280000", 2,
     {"datakit": 100, "log": 400_000_000, "apm": 50_000_000, "rum": 2_000_000, "task": 1_400_000}),
    ("enterprise", "Enterprise Standard", "510000", 3,
     {"datakit": 200, "log": 800_000_000, "apm": 100_000_000, "rum": 4_000_000, "task": 2_400_000}),
]

# item code, basic unit, minimum capacity, price per basic unit per day
TRAFFIC = [
    ("datakit", 1, 20, "3"),
    ("log", 1_000_000, 1_000_000, "1.5"),
    ("backup_log", 10_000_000, 10_000_000, "2"),
    ("apm", 1_000_000, 1_000_000, "3"),
    ("rum", 10_000, 100_000, "1"),
    ("api", 10_000, 100_000, "1"),
    ("task", 10_000, 300_000, "1"),
    ("sms", 1, 100, "0.1"),
]


FIRST_DAY = "2000-01-01"
FROZEN_TABLES = ("plans_storagepolicyversion", "plans_planversion", "plans_planversioncapacity",
                 "plans_trafficpackageversion", "plans_trafficversiontier")


def seed(apps, schema_editor):
    """Run by this migration on the schema of its day; the test suite also replays it on today's schema (the
    dated catalogue of 0003), where the same figures become first versions effective 2000-01-01."""
    if "price" not in {f.name for f in apps.get_model("plans", "Plan")._meta.get_fields()}:
        _seed_dated(apps, schema_editor)
        return
    BillingItem = apps.get_model("plans", "BillingItem")
    StoragePolicy = apps.get_model("plans", "StoragePolicy")
    Plan = apps.get_model("plans", "Plan")
    PlanCapacity = apps.get_model("plans", "PlanCapacity")
    TrafficPackage = apps.get_model("plans", "TrafficPackage")
    items = {}
    for order, (code, name, unit, label, voucher_payable, policies) in enumerate(ITEMS, start=1):
        item = BillingItem.objects.create(
            code=code, name=name, pricing_unit=unit, unit_label=label, voucher_payable=voucher_payable,
            sort_order=order,
        )
        items[code] = item
        for days, price, factor, is_default in policies:
            StoragePolicy.objects.create(
                billing_item=item, retention_days=days, price=Decimal(price), conversion_factor=factor,
                is_default=is_default,
            )
    for code, name, price, rank, capacities in PLANS:
        plan = Plan.objects.create(code=code, name=name, price=Decimal(price), rank=rank, validity_days=365)
        for item_code, capacity in capacities.items():
            PlanCapacity.objects.create(plan=plan, billing_item=items[item_code], daily_capacity=capacity)
    for item_code, basic_unit, minimum, price in TRAFFIC:
        TrafficPackage.objects.create(
            billing_item=items[item_code], basic_unit=basic_unit, minimum_capacity=minimum, unit_price=Decimal(price)
        )


def _seed_dated(apps, schema_editor):
    get = lambda name: apps.get_model("plans", name)  # noqa: E731
    for table in FROZEN_TABLES:  # versions for a past day: the freeze trigger (0003) would refuse them
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    items = {}
    for order, (code, name, unit, label, voucher_payable, policies) in enumerate(ITEMS, start=1):
        item = get("BillingItem").objects.create(
            code=code, name=name, pricing_unit=unit, unit_label=label, voucher_payable=voucher_payable,
            sort_order=order,
        )
        items[code] = item
        for days, price, factor, is_default in policies:
            policy = get("StoragePolicy").objects.create(billing_item=item, retention_days=days, is_default=is_default)
            get("StoragePolicyVersion").objects.create(
                storage_policy=policy, effective_from=FIRST_DAY, price=Decimal(price), conversion_factor=factor
            )
    for code, name, price, rank, capacities in PLANS:
        plan = get("Plan").objects.create(code=code, name=name, rank=rank, validity_days=365)
        version = get("PlanVersion").objects.create(plan=plan, effective_from=FIRST_DAY, price=Decimal(price))
        for item_code, capacity in capacities.items():
            get("PlanVersionCapacity").objects.create(
                plan_version=version, billing_item=items[item_code], daily_capacity=capacity
            )
    for item_code, basic_unit, minimum, price in TRAFFIC:
        tp = get("TrafficPackage").objects.create(billing_item=items[item_code], basic_unit=basic_unit)
        get("TrafficPackageVersion").objects.create(
            traffic_package=tp, effective_from=FIRST_DAY, minimum_capacity=minimum, unit_price=Decimal(price)
        )
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for table in FROZEN_TABLES:
        schema_editor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def unseed(apps, schema_editor):
    for model in ("TrafficPackage", "PlanCapacity", "Plan", "StoragePolicy", "BillingItem"):
        apps.get_model("plans", model).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("plans", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
