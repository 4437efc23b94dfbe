"""The daily renewal pass (automatic renewals, then expiry reminders) at 02:00 UTC (10:00 in the default
Asia/Shanghai zone, so its mails arrive in working hours)."""

from django.db import migrations

from core.beat import Beat, beat_schedule

BEATS = [Beat("Orders: automatic renewals and expiry reminders (daily)", "orders.renewal_pass", minute="0", hour="2")]


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0005_sold_catalogue_versions"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [beat_schedule(BEATS)]
