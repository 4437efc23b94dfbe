"""Populate an account with real objects of every app, through the apps' own services and factories as they
exist, and say which URL/path parameter names their ids answer to.

Used by the tenant-isolation crawl (account A's objects, called by account B's owner) and by the fuzzer (so
path parameters can point at real objects). Each app's part is guarded: an app whose services are not built
yet contributes nothing, and the crawl still covers its URLs with placeholder ids.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.factories import WorkspaceFactory

Populator = Callable[..., dict[str, list[int]]]


def _workspaces(*, account, owner, workspaces) -> dict[str, list[int]]:
    extra = WorkspaceFactory(account=account, free=True)
    return {"workspace_id": [w.pk for w in workspaces] + [extra.pk]}


POPULATORS: list[Populator] = [_workspaces]


def populate_account(*, account, owner, workspaces) -> dict[str, list[int]]:
    """Create one of everything for `account`; returns {path parameter name: [ids]}."""
    ids: dict[str, list[int]] = {}
    for populate in POPULATORS:
        try:
            created = populate(account=account, owner=owner, workspaces=workspaces)
        except ImportError:  # that app's services are not there yet
            continue
        for name, values in created.items():
            ids.setdefault(name, []).extend(v for v in values if v not in ids.get(name, []))
    return ids


def any_id(ids: dict[str, list[int]], name: str, default: Any = 1) -> Any:
    values = ids.get(name) or []
    return values[0] if values else default
