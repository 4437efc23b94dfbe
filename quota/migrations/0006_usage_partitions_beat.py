"""The daily beat task that creates the usage table's month partitions ahead (quota/partitions.py)."""

from django.db import migrations

from core.beat import Beat, beat_schedule

BEATS = [Beat("Quota: usage partitions for the coming months (daily)", "quota.ensure_usage_partitions",
              minute="15", hour="0")]


class Migration(migrations.Migration):
    dependencies = [
        ("quota", "0005_usage_partitioned_by_month"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [beat_schedule(BEATS)]
