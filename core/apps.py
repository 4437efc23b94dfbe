from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.urls import register_converter

        from core.converters import IdConverter

        register_converter(IdConverter, "id")

        from django.db.models.signals import post_migrate

        from core.finance import sync_finance_group

        post_migrate.connect(sync_finance_group, dispatch_uid="core.sync_finance_group")
