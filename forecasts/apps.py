import logging

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


class ForecastsConfig(AppConfig):
    name = "forecasts"
    verbose_name = _("Forecasts and warnings")

    def ready(self) -> None:
        # App loading: the receivers import models, which exist only once the registry is ready.
        from forecasts import receivers

        receivers.connect()
