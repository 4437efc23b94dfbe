from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuotaConfig(AppConfig):
    name = "quota"
    verbose_name = _("Usage, deduction and bills")

    def ready(self) -> None:
        from payments.signals import arrears_cleared
        from quota.receivers import unlock_on_arrears_cleared

        arrears_cleared.connect(unlock_on_arrears_cleared, dispatch_uid="quota.unlock_on_arrears_cleared")
