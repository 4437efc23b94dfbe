"""Writes and reads of a person's credentials besides the password: named API tokens (shown once, hashed at rest,
revocable) and the sign-in sessions that the credential-ending events close.

Events that end credentials (`credentials_revoke`): turning the second factor on, changing the password (the
current session is kept in both cases), resetting it (every session ends). Each revokes all the person's API
tokens and other sessions and sends `workspaces.signals.credentials_revoked` (the notifications app mails the
person after commit).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from workspaces.credential_models import ApiToken, SignInSession
from workspaces.signals import credentials_revoked

if TYPE_CHECKING:
    from django.contrib.auth.models import User

KEY_START = "fc_"
PREFIX_LENGTH = 8  # public, for the lookup
LAST_USED_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often
NAME_MAX = 100
MAX_ACTIVE_TOKENS = 50


class RevokeReason:
    SECOND_FACTOR_ON = "second_factor_on"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET = "password_reset"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    key: str  # the only copy of the key: shown once


# ---------------------------------------------------------------------------------------------------------------
# API tokens


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    """The person's tokens that still work, newest first."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).order_by("-id")


@transaction.atomic
def api_token_create(*, user: User, name: str) -> NewToken:
    """A new named token; the returned key is the only copy (its SHA-256 is stored)."""
    clean = " ".join((name or "").split())
    if not clean:
        raise ApplicationError(_("Give the token a name, such as the script that will use it."),
                               code="invalid", fields={"name": [_("A name is required.")]})
    if len(clean) > NAME_MAX or any(ord(ch) < 32 for ch in name or ""):
        raise ApplicationError(_("A token name has at most 100 characters and no control characters."),
                               code="invalid", fields={"name": [_("At most 100 characters.")]})
    if api_tokens_of(user).count() >= MAX_ACTIVE_TOKENS:
        raise ApplicationError(_("You have 50 tokens: revoke one you no longer use first."),
                               code="too_many_tokens", status=409)
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    while ApiToken.objects.filter(prefix=prefix).exists():  # 32 bits: a clash is rare, never an error
        prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    key = f"{KEY_START}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(user=user, name=clean, prefix=prefix, key_hash=hash_key(key))
    return NewToken(token=token, key=key)


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of the person's own tokens (another person's or an unknown id: not found)."""
    token = ApiToken.objects.select_for_update().filter(user=user, pk=token_id, revoked_at__isnull=True).first()
    if token is None:
        raise ApplicationError(_("No such token: it may already be revoked."), code="not_found", status=404)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(key: str) -> ApiToken | None:
    """The working token whose key this is (None otherwise); notes its use at most once a minute."""
    if not key.startswith(KEY_START) or len(key) > 100:
        return None
    prefix, _sep, secret = key[len(KEY_START):].partition("_")
    if len(prefix) != PREFIX_LENGTH or not secret:
        return None
    token = (ApiToken.objects.select_related("user")
             .filter(prefix=prefix, revoked_at__isnull=True).first())
    if token is None or not hmac.compare_digest(token.key_hash, hash_key(key)):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        # one conditional UPDATE: concurrent requests of the same minute write once
        ApiToken.objects.filter(pk=token.pk).exclude(last_used_at__gt=now - LAST_USED_EVERY).update(last_used_at=now)
        token.last_used_at = now
    return token


# ---------------------------------------------------------------------------------------------------------------
# sessions


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def session_remember(*, user: User, session_key: str | None) -> None:
    """Note a session the person signed in with (user_logged_in); notes older than the longest a session can
    live are dropped on the way."""
    if session_key:
        SignInSession.objects.update_or_create(session_key=session_key, defaults={"user": user})
        too_old = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE)
        SignInSession.objects.filter(user=user, created_at__lt=too_old).delete()


def session_forget(*, session_key: str | None) -> None:
    if session_key:
        SignInSession.objects.filter(session_key=session_key).delete()


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        if session.session_key is None:
            session.save()
        session_remember(user=user, session_key=session.session_key)


def on_user_logged_out(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        session_forget(session_key=session.session_key)


# ---------------------------------------------------------------------------------------------------------------
# the events that end credentials


@dataclass(frozen=True)
class Revoked:
    tokens: int
    sessions: int


@transaction.atomic
def credentials_revoke(*, user: User, reason: str, keep_session_key: str | None = None) -> Revoked:
    """Revoke every API token of the person and end their sessions except `keep_session_key` (None: all);
    the person is told by mail (signal, after commit)."""
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    keys = list(SignInSession.objects.filter(user=user).exclude(session_key=keep_session_key or "")
                .values_list("session_key", flat=True))
    store = _session_store()
    for key in keys:
        store(session_key=key).delete()
    SignInSession.objects.filter(session_key__in=keys).delete()
    revoked = Revoked(tokens=tokens, sessions=len(keys))
    credentials_revoked.send(sender=ApiToken, user=user, reason=reason, tokens=revoked.tokens,
                             sessions=revoked.sessions)
    return revoked
