"""The quota app's beat schedules, as django_celery_beat rows (visible and editable in admin)."""

from django.db import migrations

from core.beat import Beat, beat_schedule

BEATS = [
    Beat("Quota: start the nights that are due (hourly)", "quota.start_nights", minute="5"),
    Beat("Quota: arrears reminders and locks (daily)", "quota.arrears_sweep", minute="30", hour="1"),
]


class Migration(migrations.Migration):
    dependencies = [("quota", "0002_bill_engine_fields"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [beat_schedule(BEATS)]
