"""Fixtures of the quota tests."""

from __future__ import annotations

import pytest

from tests.seed import restore_seeded_data


@pytest.fixture
def catalogue(transactional_db):
    """The seeded catalogue for transaction=True tests (a flush between transactional tests removes the rows
    the data migration seeded; serialized_rollback would clash with rows post_migrate re-creates)."""
    restore_seeded_data()
