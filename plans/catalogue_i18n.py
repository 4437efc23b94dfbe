"""The seeded catalogue's names and units, for translation: templates show them with {% translate plan.name %}, so
these literals put them in the message catalogue. Names finance adds later show as entered."""

from django.utils.translation import gettext_noop

CATALOGUE_NAMES = [
    gettext_noop("Startup Acceleration"),
    gettext_noop("Growth Development"),
    gettext_noop("Enterprise Standard"),
    gettext_noop("DataKit"),
    gettext_noop("Log data"),
    gettext_noop("APM trace"),
    gettext_noop("RUM page views (PV)"),
    gettext_noop("Task calls"),
    gettext_noop("API calls"),
    gettext_noop("Backup logs"),
    gettext_noop("SMS"),
]

# The seeded billing items' pricing units, shown with {% translate item.unit_label %}.
CATALOGUE_UNIT_LABELS = [
    gettext_noop("1 host"),
    gettext_noop("1,000,000 entries"),
    gettext_noop("1,000,000 traces"),
    gettext_noop("10,000 PV"),
    gettext_noop("10,000 calls"),
    gettext_noop("10,000,000 entries"),
    gettext_noop("1 message"),
]
