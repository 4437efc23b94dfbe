"""A person's preferences: the interface language, remembered so mail reaches them in it (notifications.mail)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserPreference(models.Model):
    """One row per person who ever chose a language (switcher, or signing in with a language cookie /
    Accept-Language). Written only when the language changes (workspaces.preferences)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference", verbose_name=_("user")
    )
    language = models.CharField(_("language"), max_length=16, choices=settings.LANGUAGES)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("user preference")
        verbose_name_plural = _("user preferences")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(language__in=[code for code, _name in settings.LANGUAGES]),
                name="user_preference_known_language",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.language}"
