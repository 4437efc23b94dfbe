"""Transactional tests flush the database; the root conftest puts the migrations' data back."""

import pytest

from payments.models import CardGiftTier
from plans.models import BillingItem


@pytest.mark.django_db(transaction=True)
def test_a_flushes():
    assert BillingItem.objects.count() == 8

@pytest.mark.django_db(transaction=True)
def test_b_has_catalogue_again():
    assert BillingItem.objects.count() == 8
    assert CardGiftTier.objects.count() == 3
