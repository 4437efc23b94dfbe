"""The payments app's beat schedule: expiry of cards and vouchers, daily (django_celery_beat rows)."""

from django.db import migrations

from core.beat import Beat, beat_schedule

BEATS = [
    # 16:10 UTC is 00:10 in Asia/Shanghai
    Beat("Payments: expire prepaid cards and vouchers (daily)", "payments.expire_instruments", minute="10", hour="16"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0002_ledger_append_only_and_gift_tiers"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [beat_schedule(BEATS)]
