"""Mail: the one place the project sends email from (`send_mail`/`send_mass_mail` are banned elsewhere).

- `send_email` renders one message from a subject and a body template and sends it after commit.
- `send_batch` sends many rendered messages over ONE SMTP connection after commit (the night's arrears mails,
  one per account).
- The recipient helpers (`owner_emails`, `billing_emails`, `owner_emails_by_account`) always leave out
  deactivated users and empty addresses: a deactivated person is never mailed.

Language (docs/RULES-people.md "Language"): every message is rendered once per language of its recipients, each
person in their remembered interface language (`workspaces.UserPreference`, read for all the addresses in one
query), inside `translation.override`. An address with no remembered language gets `fallback_language` (the
invitation: the inviting person's language) or else the site's default (settings.LANGUAGE_CODE, Chinese).
A caller may force one `language` for everyone. When the context holds an `account`, `time_zone` is its zone
name, and the `moment_zone` filter shows times as "2026-12-07 01:00 (Asia/Shanghai)" (core.formatting).

Sending waits for the current transaction to commit, so nothing goes out while locks are held or when the
work rolls back; outside a transaction it happens at once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from core.branding import billing_domain, brand_name, rebrand
from workspaces.models import Account, Membership, Role
from workspaces.preferences import known_language, languages_by_email

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mail:
    """One rendered message."""

    to: tuple[str, ...]
    subject: str
    body: str


def clean_recipients(to: Iterable[str | None]) -> tuple[str, ...]:
    """The distinct, non-empty addresses, sorted."""
    return tuple(sorted({address.strip() for address in to if address and address.strip()}))


def render_mail(
    *,
    to: Iterable[str | None],
    subject_template: str,
    body_template: str,
    context: dict[str, Any],
    language: str | None = None,
) -> Mail | None:
    """Render `subject_template` / `body_template` (e.g. "email/alert_subject.txt") with `context` in
    `language` (default: the site's). None when nobody is left to mail."""
    recipients = clean_recipients(to)
    if not recipients:
        return None
    with translation.override(language or settings.LANGUAGE_CODE):
        account = context.get("account")
        zone = getattr(account, "time_zone", None) or settings.TIME_ZONE
        context = {"brand_name": brand_name(), "billing_domain": billing_domain(), "time_zone": zone, **context}
        subject = rebrand(" ".join(render_to_string(subject_template, context).split()))
        body = rebrand(render_to_string(body_template, context))
    return Mail(to=recipients, subject=subject, body=body)


def recipients_by_language(
    to: Iterable[str | None], *, fallback_language: str | None = None
) -> dict[str, tuple[str, ...]]:
    """{language: addresses}: each address in its person's remembered language, the others in
    `fallback_language` (when it is a known language) or the site's default. One query."""
    recipients = clean_recipients(to)
    stored = languages_by_email(recipients)
    default = known_language(fallback_language) or settings.LANGUAGE_CODE
    grouped: dict[str, list[str]] = {}
    for address in recipients:
        grouped.setdefault(stored.get(address.lower(), default), []).append(address)
    return {language: tuple(addresses) for language, addresses in sorted(grouped.items())}


def render_mails(
    *,
    to: Iterable[str | None],
    subject_template: str,
    body_template: str,
    context: dict[str, Any],
    language: str | None = None,
    fallback_language: str | None = None,
) -> list[Mail]:
    """One message per language of the recipients (or one in `language` when given)."""
    if language:
        mail = render_mail(to=to, subject_template=subject_template, body_template=body_template,
                           context=context, language=language)
        return [mail] if mail is not None else []
    mails = []
    for code, addresses in recipients_by_language(to, fallback_language=fallback_language).items():
        mail = render_mail(to=addresses, subject_template=subject_template, body_template=body_template,
                           context=context, language=code)
        if mail is not None:
            mails.append(mail)
    return mails


def send_batch(mails: Iterable[Mail | None]) -> int:
    """Send the messages over one connection once the current transaction commits. Returns how many are
    queued."""
    batch = [mail for mail in mails if mail is not None and mail.to]
    if not batch:
        return 0

    def send() -> None:
        messages = [
            EmailMessage(subject=m.subject, body=m.body, from_email=settings.DEFAULT_FROM_EMAIL, to=list(m.to))
            for m in batch
        ]
        with get_connection(fail_silently=False) as connection:
            connection.send_messages(messages)

    transaction.on_commit(send)
    return len(batch)


def send_email(
    *,
    to: Sequence[str],
    subject_template: str,
    body_template: str,
    context: dict[str, Any],
    language: str | None = None,
    fallback_language: str | None = None,
) -> None:
    """Render the message to the distinct, non-empty addresses in `to` (once per recipients' language, see
    the module's docstring) and send it once the current transaction commits. Rendering happens now (so a
    template error fails the caller's transaction, not the sending)."""
    send_batch(
        render_mails(to=to, subject_template=subject_template, body_template=body_template, context=context,
                     language=language, fallback_language=fallback_language)
    )


def preferred_language(user: Any) -> str | None:
    """The person's remembered interface language (workspaces.UserPreference), else None: the site's
    default."""
    if user is None or not getattr(user, "pk", None):
        return None
    try:
        return known_language(user.preference.language)
    except ObjectDoesNotExist:
        return None


# --------------------------------------------------------------------------------------------------------------
# recipients: active users with an address, always


def _active_members():
    return Membership.objects.filter(user__is_active=True).exclude(user__email="")


def owner_emails(account: Account) -> list[str]:
    """The account's active owners."""
    return list(
        _active_members().filter(account=account, role=Role.OWNER).order_by("user__email")
        .values_list("user__email", flat=True)
    )


def billing_emails(account: Account) -> list[str]:
    """Active owners and administrators: the people who see the account's bills."""
    return list(
        _active_members().filter(account=account, role__in=[Role.OWNER, Role.ADMINISTRATOR])
        .order_by("user__email").values_list("user__email", flat=True)
    )


def owner_emails_by_account(account_ids: Iterable[int]) -> dict[int, list[str]]:
    """{account_id: [active owners' addresses]} in one query; an account with none is absent."""
    ids = sorted(set(account_ids))
    if not ids:
        return {}
    emails: dict[int, list[str]] = {}
    rows = (
        _active_members().filter(account_id__in=ids, role=Role.OWNER)
        .order_by("account_id", "user__email").values_list("account_id", "user__email")
    )
    for account_id, email in rows:
        emails.setdefault(account_id, []).append(email)
    return emails
