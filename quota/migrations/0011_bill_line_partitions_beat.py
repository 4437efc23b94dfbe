"""The daily beat task that creates the bill lines table's month partitions ahead (quota/partitions.py)."""

from django.db import migrations

from core.beat import Beat, beat_schedule

BEATS = [Beat("Quota: bill line partitions for the coming months (daily)", "quota.ensure_bill_line_partitions",
              minute="20", hour="0")]


class Migration(migrations.Migration):
    dependencies = [
        ("quota", "0010_bill_lines_partitioned_by_month"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [beat_schedule(BEATS)]
