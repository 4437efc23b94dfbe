import pytest

from payments.reconcile import check_balances


@pytest.fixture
def ledger_clean():
    """Use in a test to assert, at its end, that every balance equals its ledger."""
    yield
    assert check_balances() == []
