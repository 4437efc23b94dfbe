"""The dated catalogue (docs/RULES-plans.md): every figure moves from the identities into versions. Each
existing figure becomes a first version effective from 2000-01-01, so every past bill re-runs to the same cent.
Then a trigger freezes versions whose day has come (the vendor's day, settings.TIME_ZONE when migrated)."""

import datetime
from decimal import Decimal

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

FIRST_DAY = datetime.date(2000, 1, 1)


def first_versions(apps, schema_editor):
    if "price" not in {f.name for f in apps.get_model("plans", "Plan")._meta.get_fields()}:
        return  # replayed by the test suite on today's schema: 0002 created the versions already
    StoragePolicy = apps.get_model("plans", "StoragePolicy")
    StoragePolicyVersion = apps.get_model("plans", "StoragePolicyVersion")
    Plan = apps.get_model("plans", "Plan")
    PlanVersion = apps.get_model("plans", "PlanVersion")
    PlanCapacity = apps.get_model("plans", "PlanCapacity")
    PlanVersionCapacity = apps.get_model("plans", "PlanVersionCapacity")
    TrafficPackage = apps.get_model("plans", "TrafficPackage")
    TrafficPackageVersion = apps.get_model("plans", "TrafficPackageVersion")
    TrafficDiscountTier = apps.get_model("plans", "TrafficDiscountTier")
    TrafficVersionTier = apps.get_model("plans", "TrafficVersionTier")
    for policy in StoragePolicy.objects.all():
        StoragePolicyVersion.objects.create(
            storage_policy=policy, effective_from=FIRST_DAY, price=policy.price,
            conversion_factor=policy.conversion_factor,
        )
    for plan in Plan.objects.all():
        version = PlanVersion.objects.create(plan=plan, effective_from=FIRST_DAY, price=plan.price)
        for capacity in PlanCapacity.objects.filter(plan=plan):
            PlanVersionCapacity.objects.create(
                plan_version=version, billing_item_id=capacity.billing_item_id,
                daily_capacity=capacity.daily_capacity,
            )
    for tp in TrafficPackage.objects.all():
        version = TrafficPackageVersion.objects.create(
            traffic_package=tp, effective_from=FIRST_DAY, unit_price=tp.unit_price,
            minimum_capacity=tp.minimum_capacity,
        )
        for tier in TrafficDiscountTier.objects.filter(traffic_package=tp):
            TrafficVersionTier.objects.create(
                version=version, min_capacity=tier.min_capacity, percent_off=tier.percent_off
            )


# A version is frozen from its first day (the vendor's day): no UPDATE or DELETE of a version (or of its
# capacities or tiers) in force, no version for a past day. A version effective today gets its capacities
# or tiers only in the transaction that inserted it (remembered in the transaction-local `plans.fresh`).
FROZEN = """
CREATE OR REPLACE FUNCTION plans_catalogue_today() RETURNS date AS $$
    SELECT (now() AT TIME ZONE '{zone}')::date
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION plans_version_frozen() RETURNS trigger AS $$
DECLARE
    today date := plans_catalogue_today();
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.effective_from <= today THEN
        RAISE EXCEPTION '% row % is in force since %: a version in force is never changed (% refused)',
            TG_TABLE_NAME, OLD.id, OLD.effective_from, TG_OP USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.effective_from < today THEN
        RAISE EXCEPTION '%: a version cannot take effect in the past (% is before %)',
            TG_TABLE_NAME, NEW.effective_from, today USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF NEW.effective_from = today THEN
        PERFORM set_config('plans.fresh',
            coalesce(current_setting('plans.fresh', true), '') || ',' || TG_TABLE_NAME || ':' || NEW.id || ',', true);
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- TG_ARGV: the parent version table and the row's column naming it
CREATE OR REPLACE FUNCTION plans_version_row_frozen() RETURNS trigger AS $$
DECLARE
    today date := plans_catalogue_today();
    parent bigint;
    day date;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        parent := (to_jsonb(OLD) ->> TG_ARGV[1])::bigint;
        EXECUTE format('SELECT effective_from FROM %I WHERE id = $1', TG_ARGV[0]) INTO day USING parent;
        IF day <= today THEN
            RAISE EXCEPTION '% row % belongs to a version in force since %: never changed (% refused)',
                TG_TABLE_NAME, OLD.id, day, TG_OP USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    parent := (to_jsonb(NEW) ->> TG_ARGV[1])::bigint;
    EXECUTE format('SELECT effective_from FROM %I WHERE id = $1', TG_ARGV[0]) INTO day USING parent;
    IF day < today OR (day = today AND position(',' || TG_ARGV[0] || ':' || parent || ','
                                                IN coalesce(current_setting('plans.fresh', true), '')) = 0) THEN
        RAISE EXCEPTION '%: version % is in force since %: its rows are never changed (% refused)',
            TG_TABLE_NAME, parent, day, TG_OP USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER plans_storagepolicyversion_frozen BEFORE INSERT OR UPDATE OR DELETE ON plans_storagepolicyversion
    FOR EACH ROW EXECUTE FUNCTION plans_version_frozen();
CREATE TRIGGER plans_planversion_frozen BEFORE INSERT OR UPDATE OR DELETE ON plans_planversion
    FOR EACH ROW EXECUTE FUNCTION plans_version_frozen();
CREATE TRIGGER plans_trafficpackageversion_frozen BEFORE INSERT OR UPDATE OR DELETE ON plans_trafficpackageversion
    FOR EACH ROW EXECUTE FUNCTION plans_version_frozen();
CREATE TRIGGER plans_planversioncapacity_frozen BEFORE INSERT OR UPDATE OR DELETE ON plans_planversioncapacity
    FOR EACH ROW EXECUTE FUNCTION plans_version_row_frozen('plans_planversion', 'plan_version_id');
CREATE TRIGGER plans_trafficversiontier_frozen BEFORE INSERT OR UPDATE OR DELETE ON plans_trafficversiontier
    FOR EACH ROW EXECUTE FUNCTION plans_version_row_frozen('plans_trafficpackageversion', 'version_id');
""".replace("{zone}", settings.TIME_ZONE)

UNFREEZE = """
DROP TRIGGER IF EXISTS plans_storagepolicyversion_frozen ON plans_storagepolicyversion;
DROP TRIGGER IF EXISTS plans_planversion_frozen ON plans_planversion;
DROP TRIGGER IF EXISTS plans_trafficpackageversion_frozen ON plans_trafficpackageversion;
DROP TRIGGER IF EXISTS plans_planversioncapacity_frozen ON plans_planversioncapacity;
DROP TRIGGER IF EXISTS plans_trafficversiontier_frozen ON plans_trafficversiontier;
DROP FUNCTION IF EXISTS plans_version_row_frozen();
DROP FUNCTION IF EXISTS plans_version_frozen();
DROP FUNCTION IF EXISTS plans_catalogue_today();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('plans', '0002_seed_catalogue'),
    ]

    operations = [
        migrations.CreateModel(
            name='PlanVersion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('effective_from', models.DateField(verbose_name='effective from')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('price', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=16, verbose_name='price')),
            ],
            options={
                'verbose_name': 'plan version',
                'ordering': ['plan__rank', 'effective_from'],
            },
        ),
        migrations.CreateModel(
            name='PlanVersionCapacity',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('daily_capacity', models.BigIntegerField(verbose_name='daily capacity')),
            ],
            options={
                'verbose_name_plural': 'plan capacities',
                'ordering': ['plan_version_id', 'billing_item__sort_order'],
            },
        ),
        migrations.CreateModel(
            name='StoragePolicyVersion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('effective_from', models.DateField(verbose_name='effective from')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('price', models.DecimalField(decimal_places=4, max_digits=14, verbose_name='PAYG price per pricing unit per day')),
                ('conversion_factor', models.PositiveSmallIntegerField(default=1, verbose_name='conversion factor')),
            ],
            options={
                'verbose_name': 'storage policy version',
                'ordering': ['storage_policy_id', 'effective_from'],
            },
        ),
        migrations.CreateModel(
            name='TrafficPackageVersion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('effective_from', models.DateField(verbose_name='effective from')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('minimum_capacity', models.BigIntegerField(verbose_name='minimum capacity')),
                ('unit_price', models.DecimalField(decimal_places=4, max_digits=14, verbose_name='price per basic unit per day')),
            ],
            options={
                'verbose_name': 'traffic package version',
                'ordering': ['traffic_package_id', 'effective_from'],
            },
        ),
        migrations.CreateModel(
            name='TrafficVersionTier',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('min_capacity', models.BigIntegerField(verbose_name='from capacity')),
                ('percent_off', models.DecimalField(decimal_places=2, max_digits=5, verbose_name='percent off')),
            ],
            options={
                'verbose_name': 'discount tier',
                'ordering': ['version_id', 'min_capacity'],
            },
        ),
        migrations.AddField(
            model_name='planversion',
            name='plan',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='versions', to='plans.plan'),
        ),
        migrations.AddField(
            model_name='planversioncapacity',
            name='billing_item',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='plan_capacities', to='plans.billingitem'),
        ),
        migrations.AddField(
            model_name='planversioncapacity',
            name='plan_version',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='capacities', to='plans.planversion'),
        ),
        migrations.AddField(
            model_name='storagepolicyversion',
            name='storage_policy',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='versions', to='plans.storagepolicy'),
        ),
        migrations.AddField(
            model_name='trafficpackageversion',
            name='traffic_package',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='versions', to='plans.trafficpackage'),
        ),
        migrations.AddField(
            model_name='trafficversiontier',
            name='version',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='tiers', to='plans.trafficpackageversion'),
        ),
        migrations.AddConstraint(
            model_name='planversion',
            constraint=models.UniqueConstraint(fields=('plan', 'effective_from'), name='plan_version_unique_day'),
        ),
        migrations.AddConstraint(
            model_name='planversion',
            constraint=models.CheckConstraint(condition=models.Q(('price__gt', 0)), name='plan_version_price_positive'),
        ),
        migrations.AddConstraint(
            model_name='planversioncapacity',
            constraint=models.UniqueConstraint(fields=('plan_version', 'billing_item'), name='plan_version_capacity_unique_item'),
        ),
        migrations.AddConstraint(
            model_name='planversioncapacity',
            constraint=models.CheckConstraint(condition=models.Q(('daily_capacity__gte', 0)), name='plan_version_capacity_non_negative'),
        ),
        migrations.AddConstraint(
            model_name='storagepolicyversion',
            constraint=models.UniqueConstraint(fields=('storage_policy', 'effective_from'), name='policy_version_unique_day'),
        ),
        migrations.AddConstraint(
            model_name='storagepolicyversion',
            constraint=models.CheckConstraint(condition=models.Q(('price__gte', 0)), name='policy_version_price_non_negative'),
        ),
        migrations.AddConstraint(
            model_name='storagepolicyversion',
            constraint=models.CheckConstraint(condition=models.Q(('conversion_factor__gte', 1)), name='policy_version_factor_at_least_one'),
        ),
        migrations.AddConstraint(
            model_name='trafficpackageversion',
            constraint=models.UniqueConstraint(fields=('traffic_package', 'effective_from'), name='traffic_version_unique_day'),
        ),
        migrations.AddConstraint(
            model_name='trafficpackageversion',
            constraint=models.CheckConstraint(condition=models.Q(('minimum_capacity__gt', 0)), name='traffic_version_minimum_positive'),
        ),
        migrations.AddConstraint(
            model_name='trafficpackageversion',
            constraint=models.CheckConstraint(condition=models.Q(('unit_price__gte', 0)), name='traffic_version_price_non_negative'),
        ),
        migrations.AddConstraint(
            model_name='trafficversiontier',
            constraint=models.UniqueConstraint(fields=('version', 'min_capacity'), name='tier_unique_threshold'),
        ),
        migrations.AddConstraint(
            model_name='trafficversiontier',
            constraint=models.CheckConstraint(condition=models.Q(('percent_off__gt', 0), ('percent_off__lt', 100)), name='tier_percent_range'),
        ),
        migrations.RunPython(first_versions, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='plancapacity',
            name='billing_item',
        ),
        migrations.RemoveField(
            model_name='plancapacity',
            name='plan',
        ),
        migrations.RemoveField(
            model_name='trafficdiscounttier',
            name='traffic_package',
        ),
        migrations.RemoveConstraint(
            model_name='plan',
            name='plan_price_positive',
        ),
        migrations.RemoveConstraint(
            model_name='storagepolicy',
            name='policy_price_non_negative',
        ),
        migrations.RemoveConstraint(
            model_name='storagepolicy',
            name='policy_factor_at_least_one',
        ),
        migrations.RemoveConstraint(
            model_name='trafficpackage',
            name='traffic_minimum_positive',
        ),
        migrations.RemoveConstraint(
            model_name='trafficpackage',
            name='traffic_price_non_negative',
        ),
        migrations.RemoveField(
            model_name='plan',
            name='price',
        ),
        migrations.RemoveField(
            model_name='storagepolicy',
            name='conversion_factor',
        ),
        migrations.RemoveField(
            model_name='storagepolicy',
            name='price',
        ),
        migrations.RemoveField(
            model_name='trafficpackage',
            name='minimum_capacity',
        ),
        migrations.RemoveField(
            model_name='trafficpackage',
            name='unit_price',
        ),
        migrations.DeleteModel(
            name='PlanCapacity',
        ),
        migrations.DeleteModel(
            name='TrafficDiscountTier',
        ),
        migrations.RunSQL(FROZEN, UNFREEZE),
    ]
