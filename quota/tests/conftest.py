"""Fixtures of the quota tests."""

from __future__ import annotations

import importlib

import pytest


@pytest.fixture
def catalogue(transactional_db):
    """The seeded catalogue for transaction=True tests (a flush between transactional tests removes the rows
    the data migration seeded; serialized_rollback would clash with rows post_migrate re-creates)."""
    from django.apps import apps

    from plans.models import BillingItem

    if not BillingItem.objects.exists():
        importlib.import_module("plans.migrations.0002_seed_catalogue").seed(apps, None)
