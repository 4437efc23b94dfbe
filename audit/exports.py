"""The trail as CSV (core.csv: BOM, formula escaping), the same style as the other exports."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from audit.selectors import Row
from core import formatting
from core.csv import csv_response


def audit_csv_response(*, filename: str, rows: Iterable[Row], account: Any):
    """Times in the account's zone, as the filters' days and the page are; every column in the reader's language
    (kind and action labels, the change as a sentence; no model names, no raw JSON, no secrets)."""
    header = [_("Time"), _("Person"), _("Kind"), _("Action"), _("Change"), _("URL")]
    return csv_response(filename=filename, header=header, rows=(
        [formatting.moment(r.at, account, seconds=True), r.person or _("System"), r.kind_label, r.action_label,
         r.sentence, r.url]
        for r in rows
    ))
