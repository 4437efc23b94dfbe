"""Factories shared by every app's tests. Each app may add its own in <app>/tests/factories.py."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from payments.models import Wallet
from workspaces.credentials import api_token_create
from workspaces.models import Account, Membership, Role, Workspace, WorkspacePlan


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password("correct-horse-battery")


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Enterprise {n}")
    wallet = factory.RelatedFactory("tests.factories.WalletFactory", factory_related_name="account")


class WalletFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Wallet

    account = factory.SubFactory(AccountFactory, wallet=None)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    account = factory.SubFactory(AccountFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.OWNER


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"workspace-{n}")
    plan = WorkspacePlan.COMMERCIAL
    # Commercial since long ago: usage of past days is billable (quota.ingest refuses days before it).
    commercial_since = factory.LazyFunction(lambda: timezone.now() - timedelta(days=3650))

    class Params:
        free = factory.Trait(plan=WorkspacePlan.FREE, commercial_since=None)


# --- second factor (workspaces/two_factor.py) -----------------------------------------------------------------


def confirmed_totp_device(user):
    """The user's confirmed TOTP authenticator (created when missing): staff need one for admin."""

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def totp_code(device) -> str:
    """The code the authenticator app shows now."""

    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"


def api_token_key(user, name: str = "tests") -> str:
    """A new named API token of the user; its key (`Authorization: Token <key>`)."""
    return api_token_create(user=user, name=name).key
