"""The payments app's beat schedule: expiry of cards and vouchers, daily (django_celery_beat rows)."""

from django.db import migrations

TASKS = [
    # name, task, minute, hour (UTC): 16:10 UTC is 00:10 in Asia/Shanghai
    ("Payments: expire prepaid cards and vouchers (daily)", "payments.expire_instruments", "10", "16"),
]


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute, hour in TASKS:
        schedule, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
        )
        PeriodicTask.objects.update_or_create(name=name, defaults={"task": task, "crontab": schedule, "enabled": True})


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task__in=[t[1] for t in TASKS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0002_ledger_append_only_and_gift_tiers"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create, remove)]
