from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from payments.signals import arrears_cleared


class QuotaConfig(AppConfig):
    name = "quota"
    verbose_name = _("Usage, deduction and bills")

    def ready(self) -> None:
        arrears_cleared.connect(_unlock_on_arrears_cleared, dispatch_uid="quota.unlock_on_arrears_cleared")


def _unlock_on_arrears_cleared(sender, account, **kwargs) -> None:
    """Arrears paid (inside the paying transaction): the account's workspaces are active again at once.
    (Imported here: an AppConfig module is loaded before the models that quota.arrears imports.)"""
    from quota.arrears import workspaces_unlock

    workspaces_unlock(account_id=getattr(account, "pk", account))
