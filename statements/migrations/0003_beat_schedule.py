"""Beat: finalise last month's bills (daily at 03:30 Beijing time; a month becomes final on the 3rd of the
next month, a missed run catches up) and refresh the current month after each night (05:00)."""

from django.db import migrations

TASKS = [
    ("statements: finalise last month's bills", "statements.finalize_monthly_bills", "30", "3"),
    ("statements: refresh monthly bills after the night", "statements.refresh_monthly_bills", "0", "5"),
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
    dependencies = [("statements", "0002_final_monthly_bill_guard"), ("django_celery_beat", "0019_alter_periodictasks_options")]

    operations = [migrations.RunPython(create, remove)]
