"""Transactional tests flush the database, data migrations included; nothing re-runs the migrations afterwards.
pytest-django runs every ordinary test before the first transactional one, so ordinary tests always see the
migrated data, and a transactional test that needs it asks for `seeded_data` (tests/seed.py)."""

import pytest
from django.core.management import call_command

from payments.models import CardGiftTier
from plans.models import BillingItem
from tests.seed import restore_seeded_data


@pytest.mark.django_db
def test_ordinary_tests_see_what_the_migrations_seeded():
    assert (BillingItem.objects.count(), CardGiftTier.objects.count()) == (8, 3)


@pytest.mark.django_db(transaction=True)
def test_restore_puts_back_what_a_flush_removed_once():
    call_command("flush", interactive=False, verbosity=0)  # what the end of a transactional test does
    assert (BillingItem.objects.count(), CardGiftTier.objects.count()) == (0, 0)
    restore_seeded_data()
    restore_seeded_data()  # idempotent
    assert (BillingItem.objects.count(), CardGiftTier.objects.count()) == (8, 3)


def test_the_seeded_data_fixture_gives_a_transactional_test_the_catalogue(seeded_data):
    assert (BillingItem.objects.count(), CardGiftTier.objects.count()) == (8, 3)
