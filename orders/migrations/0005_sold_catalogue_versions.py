"""What a sale keeps (docs/RULES-plans.md): orders remember the catalogue day and versions that priced them,
packages and their plan periods the plan version sold. Existing rows get the first catalogue versions
(effective 2000-01-01, the same figures as before), so every bill re-runs to the same cent."""

import datetime

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    OrderLine = apps.get_model("orders", "OrderLine")
    Package = apps.get_model("orders", "Package")
    PackagePlanPeriod = apps.get_model("orders", "PackagePlanPeriod")
    PlanVersion = apps.get_model("plans", "PlanVersion")
    TrafficPackageVersion = apps.get_model("plans", "TrafficPackageVersion")
    plan_version = {v.plan_id: v.pk for v in PlanVersion.objects.order_by("-effective_from")}
    traffic_version = {v.traffic_package_id: v.pk for v in TrafficPackageVersion.objects.order_by("-effective_from")}
    for order in Order.objects.all().only("pk", "created_at"):
        Order.objects.filter(pk=order.pk).update(catalogue_day=order.created_at.date())
    for line in OrderLine.objects.all():
        if line.plan_id:
            line.plan_version_id = plan_version[line.plan_id]
        if line.traffic_package_id:
            line.traffic_version_id = traffic_version[line.traffic_package_id]
        line.save(update_fields=["plan_version", "traffic_version"])
    for package in Package.objects.all():
        package.plan_version_id = plan_version[package.plan_id]
        package.catalogue_day = package.starts_on - datetime.timedelta(days=1)
        package.save(update_fields=["plan_version", "catalogue_day"])
    for period in PackagePlanPeriod.objects.all():
        period.plan_version_id = plan_version[period.plan_id]
        period.save(update_fields=["plan_version"])


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0004_renewals_auto_renew_reminders"),
        ("plans", "0003_dated_catalogue"),
    ]

    operations = [
        migrations.AddField(
            model_name="order", name="catalogue_day", field=models.DateField(null=True, verbose_name="catalogue day"),
        ),
        migrations.AddField(
            model_name="orderline", name="plan_version",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="plans.planversion"),
        ),
        migrations.AddField(
            model_name="orderline", name="traffic_version",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="plans.trafficpackageversion"),
        ),
        migrations.AddField(
            model_name="package", name="catalogue_day", field=models.DateField(null=True, verbose_name="catalogue day"),
        ),
        migrations.AddField(
            model_name="package", name="plan_version",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="plans.planversion"),
        ),
        migrations.AddField(
            model_name="packageplanperiod", name="plan_version",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="plans.planversion"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="order", name="catalogue_day", field=models.DateField(verbose_name="catalogue day"),
        ),
        migrations.AlterField(
            model_name="package", name="catalogue_day", field=models.DateField(verbose_name="catalogue day"),
        ),
        migrations.AlterField(
            model_name="package", name="plan_version",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="plans.planversion"),
        ),
        migrations.AlterField(
            model_name="packageplanperiod", name="plan_version",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="plans.planversion"),
        ),
    ]
