"""What payments does when the apps below it send news (connected in PaymentsConfig.ready())."""

from payments.models import Wallet


def open_wallet(sender, account, **kwargs) -> None:
    """A new account (workspaces.services.account_create) gets its empty wallet in the same transaction."""
    Wallet.objects.create(account=account)
