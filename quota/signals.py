"""Signals of the night. `night_settled` is sent after a chunk's night has committed (never on a dry run),
with `day` and `account_ids`: the apps that act after a night (high-spending alerts, monthly bills) listen to
it, so quota does not depend on them."""

from django.dispatch import Signal

night_settled = Signal()
