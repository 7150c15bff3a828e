"""The built-in providers, registered lazily so heavy libraries load only when used."""

from __future__ import annotations

import datetime

from django.conf import settings

from market.providers import register


def _akshare():  # type: ignore[no-untyped-def]
    from market.providers.akshare_cn import AkshareProvider

    return AkshareProvider()


def _yfinance():  # type: ignore[no-untyped-def]
    from market.providers.yahoo import YahooProvider

    return YahooProvider(symbols=settings.YAHOO_SYMBOLS)


def _sample():  # type: ignore[no-untyped-def]
    from market.providers.sample import SampleProvider

    return SampleProvider()


def _simulated():  # type: ignore[no-untyped-def]
    from market.providers.simulated import SimulatedMarket

    return SimulatedMarket(
        stocks=settings.SIMULATED_STOCKS,
        seed=settings.SIMULATED_SEED,
        start=datetime.date.fromisoformat(settings.SIMULATED_START),
    )


register("akshare", _akshare)
register("yfinance", _yfinance)
register("sample", _sample)
register("simulated", _simulated)
