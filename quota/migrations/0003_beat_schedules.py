"""The quota app's beat schedules, as django_celery_beat rows (visible and editable in admin)."""

from django.db import migrations

TASKS = [
    # name, task, minute, hour
    ("Quota: start the nights that are due (hourly)", "quota.start_nights", "5", "*"),
    ("Quota: arrears reminders and locks (daily)", "quota.arrears_sweep", "30", "1"),
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
    dependencies = [("quota", "0002_bill_engine_fields"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(create, remove)]
