"""The three roles of a membership (their capabilities are ROLE_CAPABILITIES in workspaces/models.py). A module of
its own so that workspaces/models.py and the people models it imports can both name a role."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMINISTRATOR = "administrator", _("Administrator")
    MEMBER = "member", _("Member")
