from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications and alerts")

    def ready(self) -> None:
        # App loading: the receivers import models, which exist only once the registry is ready.
        from notifications import receivers

        receivers.connect()
