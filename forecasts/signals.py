"""News of the forecasts app for the apps above it (webhooks listens in its ready(); forecasts never imports it).

- `warning_opened(account_id, event_type, data)`: sent inside the evaluation's transaction when a warning episode
  opens; `event_type` is one of "alert.quota_threshold", "alert.low_balance", "alert.budget_threshold" and `data`
  the webhook payload (docs/RULES-webhooks.md)."""

from django.dispatch import Signal

warning_opened = Signal()

QUOTA_EVENT = "alert.quota_threshold"
LOW_BALANCE_EVENT = "alert.low_balance"
BUDGET_EVENT = "alert.budget_threshold"
