"""Each cross-cutting rule has one owner module; the raw call appears nowhere else.

ruff's banned-api (TID251, pyproject.toml) forbids the imports (`zoneinfo.ZoneInfo`, Django's mail senders)
outside their owner; import-linter (.importlinter) keeps the layers. What neither tool can see (a method
called on a queryset, a constructor called on request data, a module's size) is checked here on the source.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ["core", "workspaces", "plans", "payments", "orders", "quota", "statements", "notifications", "billing_center"]
MAX_MODULE_LINES = 500


def _sources() -> list[Path]:
    files = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if "/tests/" in relative or "/migrations/" in relative:
                continue
            files.append(path)
    return files


def _offenders(pattern: str, *, allowed: set[str], only: re.Pattern[str] | None = None) -> list[str]:
    regex = re.compile(pattern)
    found = []
    for path in _sources():
        relative = path.relative_to(ROOT).as_posix()
        if relative in allowed or (only is not None and not only.search(relative)):
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if regex.search(line):
                found.append(f"{relative}:{number}: {line.strip()}")
    return found


def test_wallets_cards_and_vouchers_are_locked_only_in_payments_locks():
    pattern = r"\b(Wallet|PrepaidCard|Voucher)\.objects\.select_for_update"
    assert _offenders(pattern, allowed={"payments/locks.py"}) == []


def test_request_layers_never_build_decimals_themselves():
    """Amounts a person or program typed are parsed by core.money, never by Decimal() in a view or form."""
    request_layer = re.compile(r"(views|api|serializers|forms)(/[^/]+)?\.py$|/views/|/forms/")
    assert _offenders(r"\bDecimal\(", allowed=set(), only=request_layer) == []


def test_account_days_come_from_core_days():
    assert _offenders(r"\bZoneInfo\(|timezone\.localdate\(", allowed={"core/days.py"}) == []


def test_mail_is_sent_only_by_notifications_mail():
    pattern = r"\b(send_mail|send_mass_mail|EmailMessage|EmailMultiAlternatives)\b"
    assert _offenders(pattern, allowed={"notifications/mail.py"}) == []


@pytest.mark.parametrize("app", APPS)
def test_no_module_is_too_big_to_find_ones_way_in(app):
    too_big = [
        f"{path.relative_to(ROOT)}: {count} lines"
        for path in _sources()
        if path.relative_to(ROOT).parts[0] == app
        and (count := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    ]
    assert too_big == []
