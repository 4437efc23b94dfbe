"""Signals of the workspaces app: news for the apps above it, which workspaces never imports.

`account_created(sender=Account, account=account)` is sent inside the transaction of
`workspaces.services.account_create`; the payments app opens the account's empty wallet on it.
"""

from django.dispatch import Signal

account_created = Signal()

invitation_created = Signal()
"""`invitation_created(sender=Invitation, invitation=..., accept_url=...)`, sent inside the transaction of
`workspaces.people.invitation_create`; `accept_url` is the absolute link with the one copy of the token.
The notifications app mails it after commit."""

credentials_revoked = Signal()
"""`credentials_revoked(sender=ApiToken, user=..., reason=..., tokens=n, sessions=n)`, sent inside the
transaction of `workspaces.credentials.credentials_revoke` (second factor turned on, password changed or reset).
The notifications app mails the person after commit."""
