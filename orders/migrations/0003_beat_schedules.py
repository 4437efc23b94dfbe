"""The orders app's beat schedule (django_celery_beat rows): expire unpaid orders every 5 minutes, update
package statuses hourly (packages follow each account's own time zone, so an hourly run catches every
local midnight within the hour)."""

from django.db import migrations

from core.beat import Beat, beat_schedule

BEATS = [
    Beat("Orders: expire unpaid orders (every 5 minutes)", "orders.expire_due", every_minutes=5),
    Beat("Orders: package statuses pending/active/expired (hourly)", "orders.update_package_statuses", minute="2"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0002_order_effective_on_previous_plan"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [beat_schedule(BEATS)]
