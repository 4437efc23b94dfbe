"""workspaces.services: a new account's wallet arrives through the account_created signal (workspaces never
imports payments); an unknown time zone is refused through core.days."""

import pytest

from core.exceptions import ApplicationError
from payments.models import Wallet
from tests.factories import UserFactory
from workspaces.models import Account, Membership, Role
from workspaces.services import account_create


@pytest.mark.django_db
def test_account_create_opens_the_owner_membership_and_one_wallet():
    owner = UserFactory()
    account = account_create(name=" Acme Ltd ", owner=owner, time_zone="Europe/Paris")
    assert account.name == "Acme Ltd" and account.time_zone == "Europe/Paris"
    assert Membership.objects.get(account=account).role == Role.OWNER
    assert Wallet.objects.filter(account=account).count() == 1


@pytest.mark.django_db
def test_account_create_refuses_an_unknown_zone_and_writes_nothing():
    with pytest.raises(ApplicationError) as error:
        account_create(name="Acme", owner=UserFactory(), time_zone="Mars/Olympus")
    assert error.value.fields == {"time_zone": ["Unknown time zone."]}
    assert not Account.objects.filter(name="Acme").exists()
