"""Idempotency-Key for every POST that moves money, in the API and on the pages.

The first successful (2xx) answer to a key is stored with a fingerprint of the request. The same key with
the same request returns that answer again; with another request it answers 422. Two concurrent requests
with one key serialise on the unique index: the second waits for the first to commit, then returns its
answer. A failed request stores nothing (the key's row rolls back with the work), so it may be retried."""

from __future__ import annotations

import functools
import hashlib
import json
import secrets
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from core.exceptions import ApplicationError, Unprocessable
from core.models import IdempotencyKey

MAX_KEY_LENGTH = 255


def fingerprint(method: str | None, path: str, body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method} {path} {canonical}".encode()).hexdigest()


def run_idempotent(
    *, user: Any, key: str | None, fingerprint_value: str, work: Callable[[], tuple[int, Any]]
) -> tuple[int, Any]:
    """Run `work` (returning status and JSON-able body) at most once per (user, key)."""
    if not key:
        return work()
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ApplicationError(
            f"Idempotency-Key must be printable and at most {MAX_KEY_LENGTH} characters.",
            code="invalid_idempotency_key",
        )
    with transaction.atomic():
        claimed = _claim(user, key, fingerprint_value)
        if claimed is None:
            record = IdempotencyKey.objects.get(user=user, key=key)
            if record.fingerprint != fingerprint_value:
                raise Unprocessable(
                    "This Idempotency-Key was already used with a different request.",
                    code="idempotency_key_reused",
                )
            return record.status_code, record.response_body
        status_code, body = work()
        if not 200 <= status_code < 300:
            transaction.set_rollback(True)
            return status_code, body
        stored = json.loads(json.dumps(body, default=str))
        IdempotencyKey.objects.filter(pk=claimed).update(status_code=status_code, response_body=stored)
        return status_code, stored


_CLAIM_SQL = """
    INSERT INTO {table} (user_id, key, fingerprint, status_code, response_body, created_at)
    VALUES (%s, %s, %s, 0, '{{}}', %s)
    ON CONFLICT (user_id, key) DO NOTHING
    RETURNING id
"""


def _claim(user: Any, key: str, fingerprint_value: str) -> int | None:
    """Insert the key's row in the caller's transaction; its id, or None when the key already has one. One
    statement, no savepoint: a concurrent request with the same key waits on the unique index until the first
    commits (then its row is there: None) or rolls back (then this insert goes ahead)."""
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM_SQL.format(table=IdempotencyKey._meta.db_table),
                       [user.pk, key, fingerprint_value, timezone.now()])
        row = cursor.fetchone()
    return row[0] if row else None


def idempotent(view_method: Callable[..., Response]) -> Callable[..., Response]:
    """Decorate a DRF view's `post`: honours the Idempotency-Key header."""

    @functools.wraps(view_method)
    def wrapper(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get("Idempotency-Key")

        def work() -> tuple[int, Any]:
            response = view_method(self, request, *args, **kwargs)
            return response.status_code, response.data

        status_code, body = run_idempotent(
            user=request.user,
            key=key,
            fingerprint_value=fingerprint(request.method, request.path, request.data),
            work=work,
        )
        return Response(body, status=status_code)

    return wrapper


# Fee Center pages: the form carries a hidden `idempotency_key` (a fresh one per rendered form), so a
# double submit or a reload does the work once.

PAGE_KEY_FIELD = "idempotency_key"


def run_page_post(request: Any, work: Callable[[], tuple[int, Any]]) -> tuple[int, Any]:
    """Run a page POST's `work` at most once per hidden idempotency key of the submitted form."""
    body = {k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", PAGE_KEY_FIELD)}
    return run_idempotent(
        user=request.user,
        key=request.POST.get(PAGE_KEY_FIELD) or None,
        fingerprint_value=fingerprint("POST", request.path, body),
        work=work,
    )


class IdempotentPageMixin:
    """For pages whose POST moves money: `self.run_once(work)` and a fresh `idempotency_key` in the context
    (templates put it in a hidden input named `idempotency_key`)."""

    def run_once(self, work: Callable[[], tuple[int, Any]]) -> tuple[int, Any]:
        return run_page_post(self.request, work)  # type: ignore[attr-defined]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        context[PAGE_KEY_FIELD] = new_page_key()
        return context


def new_page_key() -> str:
    return secrets.token_urlsafe(16)
