from __future__ import annotations

import factory

from brokers.models import BrokerAccount


class BrokerAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BrokerAccount
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"paper-{n}")
    adapter = "paper"
    mode = BrokerAccount.Mode.PAPER
