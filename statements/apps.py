from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatementsConfig(AppConfig):
    name = "statements"
    verbose_name = _("Monthly bills and invoices")

    def ready(self) -> None:
        from quota.signals import night_settled
        from statements.receivers import after_night

        night_settled.connect(after_night, dispatch_uid="statements.after_night")
