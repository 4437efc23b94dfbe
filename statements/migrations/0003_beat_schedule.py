"""Beat: finalise last month's bills (daily at 03:30 Beijing time; a month becomes final on the 3rd of the
next month, a missed run catches up) and refresh the current month after each night (05:00)."""

from django.db import migrations

from core.beat import Beat, beat_schedule

BEATS = [
    Beat("statements: finalise last month's bills", "statements.finalize_monthly_bills", minute="30", hour="3",
         timezone="Asia/Shanghai"),
    Beat("statements: refresh monthly bills after the night", "statements.refresh_monthly_bills", minute="0",
         hour="5", timezone="Asia/Shanghai"),
]


class Migration(migrations.Migration):
    dependencies = [("statements", "0002_final_monthly_bill_guard"), ("django_celery_beat", "0019_alter_periodictasks_options")]

    operations = [beat_schedule(BEATS)]
