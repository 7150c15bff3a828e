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
    from market import calendar, clock
    from market.providers.simulated import SimulatedMarket

    class ClockedSimulatedMarket(SimulatedMarket):
        """The simulated market on the system's clock, so a replayed day sees that day's quotes."""

        def quotes(self, codes, at=None):  # type: ignore[no-untyped-def, override]
            return super().quotes(codes, at=at or clock.now())

    return ClockedSimulatedMarket(
        stocks=settings.SIMULATED_STOCKS,
        seed=settings.SIMULATED_SEED,
        start=datetime.date.fromisoformat(settings.SIMULATED_START),
        end=calendar.market_today("XSHG", clock.now()),
    )


register("akshare", _akshare)
register("yfinance", _yfinance)
register("sample", _sample)
register("simulated", _simulated)
