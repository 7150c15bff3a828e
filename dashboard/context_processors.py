from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def deployment(request: HttpRequest) -> dict[str, object]:
    return {"deployment": settings.DEPLOYMENT, "database_vendor": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]}
