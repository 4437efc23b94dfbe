from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.urls import register_converter

        from core.converters import IdConverter

        register_converter(IdConverter, "id")

        from django.db.models.signals import post_migrate

        from core.finance import sync_finance_group

        post_migrate.connect(sync_finance_group, dispatch_uid="core.sync_finance_group")
