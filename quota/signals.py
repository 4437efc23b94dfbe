"""Signals of the night, so that quota never depends on the apps above it (statements, notifications).

- `night_settled(day, account_ids)`: sent after a chunk's night has committed (never on a dry run); the apps
  that act after a night (high-spending alerts, monthly bills) listen to it.
- `arrears_countdown_started(workspaces_by_account)`, `arrears_reminder_due(workspaces_by_account)`,
  `workspaces_locked(workspaces_by_account)`: sent by `quota.arrears` inside the night's or the sweep's
  transaction (sender `workspaces.models.Workspace`) with a dict {account_id: [workspace_id, ...]} of the
  workspaces whose status just changed; the notifications app mails the owners after commit.
"""

from django.dispatch import Signal

night_settled = Signal()
arrears_countdown_started = Signal()
arrears_reminder_due = Signal()
workspaces_locked = Signal()
