"""What the data migrations seed (the catalogue with its first dated versions, the prepaid card gift tiers), put
back on demand for a transactional test.

A `transaction=True` test (and `live_server`) ends with a flush of every table, data migrations included. The
suite does not re-run the migrations after each flush: pytest-django runs every ordinary (rolled-back) test
before the first transactional one, so those always see the migrated data, and a transactional test that needs
the catalogue asks for it with the `seeded_data` fixture (root conftest), which calls `restore_seeded_data`."""

from __future__ import annotations

import importlib

from django.apps import apps
from django.db import connection

from payments.models import CardGiftTier
from plans.models import BillingItem


def restore_seeded_data() -> None:
    """Seed the catalogue and the card gift tiers when missing (idempotent). plans' seed writes first versions
    for a past day and needs a schema editor (it switches the catalogue's freeze triggers off meanwhile)."""
    if not BillingItem.objects.exists():
        with connection.schema_editor() as editor:
            importlib.import_module("plans.migrations.0002_seed_catalogue").seed(apps, editor)
    if not CardGiftTier.objects.exists():
        importlib.import_module("payments.migrations.0002_ledger_append_only_and_gift_tiers").seed_tiers(apps, None)
