"""The one tenant-scoped queryset: every model that belongs to an account uses
`objects = AccountScopedQuerySet.as_manager()`, and views fetch through `Model.objects.for_account(account)`
(see workspaces/tenancy.py)."""

from __future__ import annotations

from typing import Any, Self

from django.db import models


class AccountScopedQuerySet(models.QuerySet):
    def for_account(self, account: Any) -> Self:
        return self.filter(account=account)
