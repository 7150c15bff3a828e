"""WebSocket routes. The live log stream (a later issue) adds its consumer here."""

from __future__ import annotations

from django.urls import URLPattern

websocket_urlpatterns: list[URLPattern] = []
