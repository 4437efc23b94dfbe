"""The trail as CSV (core.csv: BOM, formula escaping), the same style as the other exports."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from audit.selectors import Row
from core import formatting
from core.csv import csv_response


def audit_csv_response(*, filename: str, rows: Iterable[Row], account: Any):
    """Times in the account's zone, as the filters' days and the page are."""
    header = [_("Time"), _("Kind"), _("Object"), _("Object id"), _("Action"), _("Person"), _("URL"), _("Before"),
              _("After")]
    return csv_response(filename=filename, header=header, rows=(
        [formatting.moment(r.at, account, seconds=True), r.kind_label, r.model, r.object_id, r.action, r.person,
         r.url, r.before_json, r.after_json]
        for r in rows
    ))
