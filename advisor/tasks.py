"""Celery tasks of the advisor: thin, explicit names."""

from __future__ import annotations

from celery import shared_task

from advisor.hints import hint_refresh
from workspaces.models import Account


@shared_task(name="advisor.compute_hint", ignore_result=True)
def compute_hint(account_id: int) -> bool:
    """The home page's hint of the day for one account (queued by the page on a miss)."""
    account = Account.objects.filter(pk=account_id).first()
    if account is None:
        return False
    hint_refresh(account)
    return True
