from __future__ import annotations

import pytest

from modelling.models import ModelVersion
from modelling.tests.factories import ModelVersionFactory

pytestmark = pytest.mark.django_db


def test_an_admin_promotes_and_rolls_back_through_the_api(client, role_users):
    old, new = ModelVersionFactory(), ModelVersionFactory()
    old.activate()
    client.force_login(role_users["admin"])
    response = client.post(f"/api/model-versions/{new.pk}/activate/")
    assert response.status_code == 200 and response.json()["is_active"]
    assert client.post(f"/api/model-versions/{old.pk}/activate/").status_code == 200
    assert ModelVersion.objects.get(is_active=True) == old


def test_a_guest_may_read_the_registry_but_not_promote(client, role_users):
    version = ModelVersionFactory()
    client.force_login(role_users["guest"])
    assert client.get("/api/model-versions/").json()["count"] == 1
    assert client.post(f"/api/model-versions/{version.pk}/activate/").status_code == 403
    assert not ModelVersion.objects.filter(is_active=True).exists()


def test_a_failed_version_cannot_be_promoted(client, role_users):
    failed = ModelVersionFactory(status=ModelVersion.Status.FAILED)
    client.force_login(role_users["admin"])
    response = client.post(f"/api/model-versions/{failed.pk}/activate/")
    assert response.status_code == 409 and "not ready" in response.json()["detail"]
