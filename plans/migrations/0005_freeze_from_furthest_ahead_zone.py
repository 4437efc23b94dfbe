"""The catalogue freeze counts from the furthest-ahead zone (docs/RULES-plans.md "Which day"): the earliest day
whose figures may not change is today at UTC+14, where a day begins (and is sold and billed) first, not the
vendor's today. The freeze triggers of 0003 read `plans_catalogue_today()`; it now returns `plans_freeze_day()`,
the same rule as `plans.selectors.catalogue_freeze_day` (core.days.FURTHEST_AHEAD_ZONE). `plans_freeze_day`
takes an optional instant so that tests can check it agrees with Python at any moment."""

from django.conf import settings
from django.db import migrations

FURTHEST_AHEAD = """
CREATE OR REPLACE FUNCTION plans_freeze_day(at timestamptz DEFAULT now()) RETURNS date AS $$
    SELECT (at AT TIME ZONE 'Etc/GMT-14')::date  -- UTC+14 (Etc/ names invert the sign)
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION plans_catalogue_today() RETURNS date AS $$
    SELECT plans_freeze_day()
$$ LANGUAGE sql STABLE;
"""

VENDOR_DAY = """
CREATE OR REPLACE FUNCTION plans_catalogue_today() RETURNS date AS $$
    SELECT (now() AT TIME ZONE '{zone}')::date
$$ LANGUAGE sql STABLE;

DROP FUNCTION IF EXISTS plans_freeze_day(timestamptz);
""".replace("{zone}", settings.TIME_ZONE)


class Migration(migrations.Migration):
    dependencies = [("plans", "0004_admin_verbose_names")]
    operations = [migrations.RunSQL(FURTHEST_AHEAD, VENDOR_DAY)]
