from __future__ import annotations

import datetime

import factory

from market.tests.factories import StockFactory
from modelling.models import ModelVersion, Prediction


class ModelVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModelVersion

    version = factory.Sequence(lambda n: f"v{n}")
    status = ModelVersion.Status.READY
    config = factory.LazyFunction(lambda: {"window": 22, "units": 32})


class PredictionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Prediction

    stock = factory.SubFactory(StockFactory)
    trading_date = datetime.date(2024, 3, 4)
    target_date = datetime.date(2024, 3, 5)
    predicted_open = 10.1
    predicted_midday = 10.2
    expected_return = 0.02
    score = 0.02
    model_version = factory.SubFactory(ModelVersionFactory)
