"""Beat: evaluate yesterday's high-spending alerts (06:00 Beijing time, a safety net: the night also calls
alerts_evaluate_day; an alert fires at most once per day) and send expiry reminders (09:00)."""

from django.db import migrations

from core.beat import Beat, beat_schedule

BEATS = [
    Beat("notifications: high-spending alerts for yesterday", "notifications.evaluate_alerts", minute="0",
         hour="6", timezone="Asia/Shanghai"),
    Beat("notifications: cards and vouchers expiring within 7 days", "notifications.send_expiry_reminders",
         minute="0", hour="9", timezone="Asia/Shanghai"),
]


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial"), ("django_celery_beat", "0019_alter_periodictasks_options")]

    operations = [beat_schedule(BEATS)]
