from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspacesConfig(AppConfig):
    name = "workspaces"
    verbose_name = _("Accounts and workspaces")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from workspaces import credentials, preferences
        from workspaces.two_factor import on_user_logged_in

        user_logged_in.connect(on_user_logged_in, dispatch_uid="workspaces.second_factor_need")
        user_logged_in.connect(credentials.on_user_logged_in, dispatch_uid="workspaces.sign_in_session")
        user_logged_in.connect(preferences.on_user_logged_in, dispatch_uid="workspaces.remember_language")
        user_logged_out.connect(credentials.on_user_logged_out, dispatch_uid="workspaces.sign_out_session")
