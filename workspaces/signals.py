"""Signals of the workspaces app: news for the apps above it, which workspaces never imports.

`account_created(sender=Account, account=account)` is sent inside the transaction of
`workspaces.services.account_create`; the payments app opens the account's empty wallet on it.
"""

from django.dispatch import Signal

account_created = Signal()
