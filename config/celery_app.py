"""The Celery app. Workers: `celery -A config worker -Q default,market,trading,training`."""

from __future__ import annotations

import os

from celery import Celery
from django.conf import settings

from config.startup import or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Load the settings now, so a worker or beat with a bad variable stops with one line naming it.
or_exit(lambda: settings.INSTALLED_APPS)

app = Celery("stocktrading")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
