from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        # The receivers import models, which exist only once the registry is ready.
        from webhooks import receivers

        receivers.connect()
