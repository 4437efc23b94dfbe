"""Remembering a person's interface language (docs/RULES-people.md "Language").

- `user_language_remember` is the one write: it writes only when the language differs from the stored one.
- `set_language` wraps Django's language switcher (`/i18n/setlang/`): after the switch, a signed-in person's
  choice is remembered.
- `on_user_logged_in` (user_logged_in): signing in remembers the language the request asks for (the language
  cookie, else Accept-Language), so a person who never used the switcher still gets mail in their language.
- `languages_by_email` reads the stored languages of many addresses in one query (notifications.mail).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.i18n import set_language as django_set_language

from workspaces.preference_models import UserPreference


def known_language(code: str | None) -> str | None:
    """`code` as one of settings.LANGUAGES (case and variants folded: zh-Hans, zh-cn → zh-hans), else None."""
    if not code:
        return None
    try:
        supported = translation.get_supported_language_variant(code.lower())
    except LookupError:
        return None
    return supported if supported in dict(settings.LANGUAGES) else None


@transaction.atomic
def user_language_remember(*, user: Any, language: str) -> bool:
    """Store `language` as the person's language; True when it was written (it changed)."""
    code = known_language(language)
    if code is None or not getattr(user, "pk", None):
        return False
    current = UserPreference.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
    if current == code:
        return False
    UserPreference.objects.update_or_create(user_id=user.pk, defaults={"language": code})
    return True


def set_language(request: HttpRequest) -> HttpResponse:
    """Django's switcher, then remember the chosen language of a signed-in person."""
    response = django_set_language(request)
    user = getattr(request, "user", None)
    if request.method == "POST" and user is not None and user.is_authenticated:
        cookie = response.cookies.get(settings.LANGUAGE_COOKIE_NAME)
        if cookie is not None and cookie.value:
            user_language_remember(user=user, language=cookie.value)
    return response


def on_user_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Remember the language the sign-in request asks for (cookie, else Accept-Language), if it asks for
    one; a request with neither leaves the stored language alone."""
    if request is None:
        return
    asked = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) or (
        translation.get_language_from_request(request) if request.headers.get("Accept-Language") else None
    )
    if asked:
        user_language_remember(user=user, language=asked)


def languages_by_email(addresses: Iterable[str]) -> dict[str, str]:
    """{address (lower case): stored language} of active people with these addresses, in one query."""
    wanted = sorted({a.strip().lower() for a in addresses if a and a.strip()})
    if not wanted:
        return {}
    rows = (
        get_user_model().objects.annotate(address=Lower("email"))
        .filter(is_active=True, address__in=wanted, preference__isnull=False)
        .order_by("pk").values_list("address", "preference__language")
    )
    found: dict[str, str] = {}
    for email, language in rows:
        found.setdefault(email, language)
    return found

