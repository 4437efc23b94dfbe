from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Wallet and payments")

    def ready(self) -> None:
        from payments import checks  # noqa: F401  (registers the gateways' deployment checks)
        from workspaces.signals import account_created

        account_created.connect(_open_wallet, dispatch_uid="payments.open_wallet")


def _open_wallet(sender, account, **kwargs) -> None:
    """A new account (workspaces.services.account_create) gets its empty wallet in the same transaction."""
    from payments.models import Wallet  # an AppConfig module loads before the models

    Wallet.objects.create(account=account)
