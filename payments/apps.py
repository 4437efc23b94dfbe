from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Wallet and payments")

    def ready(self) -> None:
        from payments import checks  # noqa: F401  (registers the gateways' deployment checks)
        from payments.receivers import open_wallet
        from workspaces.signals import account_created

        account_created.connect(open_wallet, dispatch_uid="payments.open_wallet")
