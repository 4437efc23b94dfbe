"""Signing finance staff in from a test, through Django's public test-client API.

Finance staff need a verified second factor before admin opens (workspaces/two_factor.py). A test that is not
about the second factor signs its staff user in with `login_staff(client, user)`: `force_login`, then the
session is marked as verified with the user's confirmed authenticator (created when missing), exactly what
django-otp writes after a correct code. The tests of the second factor itself sign in through the forms."""

from __future__ import annotations

from typing import Any

from django_otp import DEVICE_ID_SESSION_KEY

from tests.factories import confirmed_totp_device


def login_staff(client: Any, user: Any) -> Any:
    """Sign `user` (staff) in on the Django test `client` with a verified second factor; returns the client."""
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = confirmed_totp_device(user).persistent_id
    session.save()
    return client
