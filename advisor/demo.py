"""The advisor's part of `manage.py seed_demo`: no chapter of its own (it only reads), a summary line per demo
account read from the data: what the package advisor recommends for the last 30 days and what it would have
saved against the packages the account has (the demo's package is too small for Workspace A)."""

from __future__ import annotations

from advisor.hints import HINT_DAYS
from advisor.replay import advise, default_workspaces
from core.formatting import money as format_cny


def summary(context: dict) -> list[str]:
    lines = []
    base = context.get("base_url", "")
    for account in context.get("summary_accounts", []):
        workspaces = default_workspaces(account)
        if not workspaces:
            continue
        advice = advise(account=account, days=HINT_DAYS, workspaces=workspaces)
        if advice.too_short:
            lines.append(f"Package advisor for {account.name}: only {advice.usage_days} days of usage in the last "
                         f"{HINT_DAYS}: too few to advise")
            continue
        best, current = advice.candidates[0], advice.current
        lines.append(
            f"Package advisor for {account.name} (last {HINT_DAYS} days, {advice.usage_days} with usage): best is "
            f"{best.label} at {format_cny(best.total)} a year with overage, against {format_cny(current.total)} for "
            f"the packages it has: {format_cny(best.saving_vs_current)} a year cheaper. "
            f"{base}/a/{account.pk}/advisor/"
        )
    return lines
