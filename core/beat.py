"""Beat schedules as django_celery_beat rows (visible and editable in admin), created by each app's data
migration through `beat_schedule(...)`:

    operations = [beat_schedule([Beat("Quota: start the nights (hourly)", "quota.start_nights", minute="5")])]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


@dataclass(frozen=True)
class Beat:
    name: str
    task: str
    minute: str = "0"
    hour: str = "*"
    timezone: str = "UTC"
    every_minutes: int | None = None  # an interval schedule instead of a crontab


def beat_schedule(beats: Sequence[Beat]) -> migrations.RunPython:
    def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
        IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
        PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
        for beat in beats:
            if beat.every_minutes:
                interval, _ = IntervalSchedule.objects.get_or_create(every=beat.every_minutes, period="minutes")
                schedule = {"interval": interval, "crontab": None}
            else:
                crontab, _ = CrontabSchedule.objects.get_or_create(
                    minute=beat.minute, hour=beat.hour, day_of_week="*", day_of_month="*", month_of_year="*",
                    timezone=beat.timezone,
                )
                schedule = {"crontab": crontab, "interval": None}
            PeriodicTask.objects.update_or_create(
                name=beat.name, defaults={"task": beat.task, "enabled": True, **schedule}
            )

    def remove(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
        PeriodicTask.objects.filter(name__in=[beat.name for beat in beats]).delete()

    return migrations.RunPython(create, remove)
