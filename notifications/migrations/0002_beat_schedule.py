"""Beat: evaluate yesterday's high-spending alerts (06:00 Beijing time, a safety net: the night also calls
alerts_evaluate_day; an alert fires at most once per day) and send expiry reminders (09:00)."""

from django.db import migrations

TASKS = [
    ("notifications: high-spending alerts for yesterday", "notifications.evaluate_alerts", "0", "6"),
    ("notifications: cards and vouchers expiring within 7 days", "notifications.send_expiry_reminders", "0", "9"),
]


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute, hour in TASKS:
        schedule, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai"
        )
        PeriodicTask.objects.update_or_create(name=name, defaults={"task": task, "crontab": schedule, "enabled": True})


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, *_rest in TASKS]).delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial"), ("django_celery_beat", "0019_alter_periodictasks_options")]

    operations = [migrations.RunPython(create, remove)]
