"""The orders app's beat schedule (django_celery_beat rows): expire unpaid orders every 5 minutes, update
package statuses hourly (packages follow each account's own time zone, so an hourly run catches every
local midnight within the hour)."""

from django.db import migrations

INTERVALS = [("Orders: expire unpaid orders (every 5 minutes)", "orders.expire_due", 5)]
CRONTABS = [("Orders: package statuses pending/active/expired (hourly)", "orders.update_package_statuses", "2", "*")]


def create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minutes in INTERVALS:
        schedule, _ = IntervalSchedule.objects.get_or_create(every=minutes, period="minutes")
        PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": task, "interval": schedule, "crontab": None, "enabled": True}
        )
    for name, task, minute, hour in CRONTABS:
        schedule, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
        )
        PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": task, "crontab": schedule, "interval": None, "enabled": True}
        )


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task__in=[t[1] for t in INTERVALS + CRONTABS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0002_order_effective_on_previous_plan"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create, remove)]
