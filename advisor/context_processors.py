"""`advisor_hint` for the home page: a callable, so the replay runs only where a template reads it."""

from __future__ import annotations

from functools import partial
from typing import Any

from advisor.hints import package_hint
from workspaces.context_processors import billing_membership


def advisor_hint(request) -> dict[str, Any]:
    membership = billing_membership(request)
    if membership is None:
        return {}
    return {"advisor_hint": partial(package_hint, membership.account)}
