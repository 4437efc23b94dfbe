"""The Celery application. Tasks are thin: they take ids and call services (see docs/ARCHITECTURE.md)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billing_center.settings")

app = Celery("billing_center")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
