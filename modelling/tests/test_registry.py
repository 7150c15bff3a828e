from __future__ import annotations

import pytest
from django.db import IntegrityError
from django.urls import reverse

from modelling.models import ModelVersion
from modelling.tests.factories import ModelVersionFactory, PredictionFactory

pytestmark = pytest.mark.django_db


def test_activating_a_version_leaves_exactly_one_active():
    first, second = ModelVersionFactory(), ModelVersionFactory()
    first.activate()
    second.activate()
    assert list(ModelVersion.objects.filter(is_active=True)) == [second]
    first.activate()  # rollback is the same action
    assert list(ModelVersion.objects.filter(is_active=True)) == [first]


def test_the_admin_action_promotes_only_a_ready_version(client, admin_user):
    failed = ModelVersionFactory(status=ModelVersion.Status.FAILED)
    ready = ModelVersionFactory()
    client.force_login(admin_user)
    url = reverse("admin:modelling_modelversion_changelist")
    client.post(url, {"action": "make_active", "_selected_action": [failed.pk]})
    assert not ModelVersion.objects.filter(is_active=True).exists()
    client.post(url, {"action": "make_active", "_selected_action": [ready.pk]})
    assert ModelVersion.objects.get(is_active=True) == ready


def test_one_prediction_per_stock_day_and_model():
    prediction = PredictionFactory()
    with pytest.raises(IntegrityError):
        PredictionFactory(stock=prediction.stock, model_version=prediction.model_version)
