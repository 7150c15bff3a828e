"""A seeded, SYNTHETIC A-share market: for scale tests, demos and the paper broker's quotes, never for claims.

Everything is a pure function of (seed, stock count, start, code, date): the universe comes from one
generator seeded by (seed, stock count), each stock's whole path from `start` from its own generator
seeded by (seed, code), and the market factor from one seeded by seed. Daily draws are taken as a (days, k)
matrix, which numpy fills row by row, so a later `end` only appends days and any sub-range is a slice.
Price arithmetic after the draws is +, -, *, /, sqrt, floor and min/max only (exact in IEEE doubles), so
one stock simulated alone and the same stock simulated among thousands give bit-identical bars.

Model, per stock and session: return = beta * market + GARCH(1,1) shock + rare jump + pull back towards the
stock's anchor price (keeps prices roughly in 2..300 CNY) + catch-up of the market moves missed while
suspended. The close is that return rounded to the 0.01 tick and clamped to the board's limit prices
(previous close * (1 +/- limit), rounded half-up to the tick as the exchanges do: main 10%, ST 5%,
ChiNext/STAR 20%, BSE 30%). A new listing's first day has the IPO limits instead (main board +44%/-36%,
others effectively none). Open, midday (11:30), high and low are drawn around the close inside the same
limit prices; volume (lots of 100 shares) grows with the size of the move and shrinks on locked limit days.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from functools import lru_cache
from zoneinfo import ZoneInfo

import exchange_calendars as xcals
import numpy as np
import pandas as pd

from market.codes import classify_a_share
from market.models import PRICE_LIMITS, ST_PRICE_LIMIT, Board
from market.providers.base import Provider, ProviderError, Quote, StockInfo, empty_bars

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT_START = datetime.date(2022, 1, 4)

# Universe segments: share of the stocks, code blocks (inclusive), first listing day, share listed during
# the period. Codes are handed out in listing order within a segment, so higher codes are younger.
_SEGMENTS: list[tuple[float, list[tuple[int, int]], datetime.date, float]] = [
    (0.45, [(600000, 601999), (603000, 603999), (605000, 605999)], datetime.date(1990, 12, 19), 0.06),  # SSE main
    (0.25, [(1, 2999)], datetime.date(1991, 4, 3), 0.05),  # SZSE main 000/001/002
    (0.20, [(300001, 301999)], datetime.date(2009, 10, 30), 0.12),  # ChiNext
    (0.08, [(688001, 688999)], datetime.date(2019, 7, 22), 0.15),  # STAR
    (0.02, [(830000, 839999), (870000, 873999), (920000, 920999)], datetime.date(2021, 11, 15), 0.30),  # BSE
]
# Per board: median anchor price (CNY), volatility multiplier, turnover multiplier.
_STYLE = {Board.MAIN: (10.0, 1.0, 1.0), Board.CHINEXT: (22.0, 1.25, 1.0), Board.STAR: (38.0, 1.3, 0.9),
          Board.BSE: (12.0, 1.4, 0.25)}
# First-day limits of a new listing (up, down): main board 44%/36%; the others trade freely on day one.
_IPO_LIMITS = {Board.MAIN: (0.44, 0.36)}
_FREE_IPO = (3.0, 0.6)
ST_SHARE, DELISTED_SHARE = 0.03, 0.01
NEW_LISTING_DAYS, DELIST_DAYS, SUSPENSION_DAYS = (0, 1000), (120, 1000), 1500  # calendar days after start
GARCH_A, GARCH_B = 0.07, 0.90  # idiosyncratic volatility clustering
KAPPA = 0.004  # daily pull towards the anchor price
JUMP_Z = 2.4  # |z| beyond this is a news day: about 1.6% of days
MARKET_VOL, MARKET_JUMP_Z = 0.012, 2.9
BLOCK = 64  # stocks simulated together for one-stock reads (cached per block)
CHUNK = 512  # stocks per batch in bars_for_universe (bounds memory)
_FIELDS = ("open", "midday", "high", "low", "close", "volume", "amount", "prev")


def _tick(x: np.ndarray) -> np.ndarray:
    """Round half-up to 0.01 (the epsilon makes 11.055, stored as 11.05499.., round up like the decimal)."""
    return np.floor(x * 100.0 + 0.5 + 1e-7) / 100.0


@lru_cache(maxsize=1)
def _calendar() -> xcals.ExchangeCalendar:
    return xcals.get_calendar("XSHG")


def _allocate(total: int, shares: list[float]) -> list[int]:
    """Largest-remainder split of `total` by `shares`, so counts are exact for any total."""
    raw = [total * s for s in shares]
    counts = [int(r) for r in raw]
    for k in sorted(range(len(raw)), key=lambda k: raw[k] - counts[k], reverse=True)[: total - sum(counts)]:
        counts[k] += 1
    return counts


def _weekday(ordinal: int) -> int:
    """Move a weekend day to the Monday after (listing days before start ignore holidays)."""
    weekday = datetime.date.fromordinal(ordinal).isoweekday()
    return ordinal + (8 - weekday if weekday > 5 else 0)


class SimulatedMarket(Provider):
    name = "simulated"
    calendar = "XSHG"
    synthetic = True

    def __init__(self, stocks: int = 300, seed: int = 7, start: datetime.date = DEFAULT_START,
                 end: datetime.date | None = None) -> None:
        if stocks < 1:
            raise ValueError("a simulated market needs at least one stock")
        self.stocks, self.seed = int(stocks), int(seed)
        cal = _calendar()
        first, last = cal.first_session.date(), cal.last_session.date()
        self.start = max(start, first)
        self.end = min(end or datetime.datetime.now(SHANGHAI).date(), last)
        # Events land on sessions from start to the calendar's end, whatever `end` is: a later end appends.
        full = cal.sessions_in_range(pd.Timestamp(self.start), cal.last_session) if self.start <= last else []
        self._full_ords = np.array([s.toordinal() for s in full], dtype=np.int64)
        self.sessions: list[datetime.date] = [s.date() for s in full if s.date() <= self.end]
        self._ords = self._full_ords[: len(self.sessions)]
        self._dates = np.array(self.sessions, dtype=object)
        self._build_universe()
        self._block = lru_cache(maxsize=16)(self._simulate_block)
        self._market_path: np.ndarray | None = None

    # -- universe ---------------------------------------------------------------------------------------
    def _build_universe(self) -> None:
        rng = np.random.default_rng([self.seed, 2_000_000, self.stocks])
        start_ord, n_full = self.start.toordinal(), len(self._full_ords)
        rows: list[tuple[int, int, bool]] = []  # (code, listing session index or -ordinal, ipo)
        for (share, blocks, opened, new_share), n in zip(_SEGMENTS, _allocate(self.stocks, [s[0] for s in _SEGMENTS])):
            space = np.concatenate([np.arange(lo, hi + 1) for lo, hi in blocks])
            if n > len(space):
                limit = min(int(sum(hi - lo + 1 for lo, hi in b) / sh) for sh, b, _, _ in _SEGMENTS)
                raise ValueError(f"the simulated market has codes for at most {limit} stocks")
            codes = np.sort(rng.choice(space, n, replace=False))
            n_new = int(round(new_share * n))
            lo = min(opened.toordinal(), start_ord - 400)
            old = np.sort(rng.integers(lo, start_ord - 30, n - n_new))
            new = np.sort(start_ord + rng.integers(*NEW_LISTING_DAYS, n_new))
            for code, day in zip(codes[: n - n_new], old):
                rows.append((int(code), -_weekday(int(day)), False))
            for code, day in zip(codes[n - n_new:], new):
                rows.append((int(code), int(np.searchsorted(self._full_ords, day)), True))
        rows.sort()
        n = len(rows)
        self._codes = [f"{code:06d}" for code, _, _ in rows]
        self._code_ints = [code for code, _, _ in rows]
        self._index = {code: i for i, code in enumerate(self._codes)}
        self._boards = [classify_a_share(code)[1] for code in self._codes]
        self._ipo = np.array([ipo for _, _, ipo in rows])
        # Session index of the first possible bar: 0 for stocks listed before start, huge if never listed.
        self._list_idx = np.array([max(idx, 0) if ipo else 0 for _, idx, ipo in rows], dtype=np.int64)
        self._list_idx[self._ipo & (self._list_idx >= n_full)] = 10**9
        self._listed_on = [
            datetime.date.fromordinal(-idx) if not ipo else
            (datetime.date.fromordinal(int(self._full_ords[idx])) if idx < n_full else None)
            for _, idx, ipo in rows
        ]
        # ST names on the main board (5% limit); the delisted ones are ST names first, as in practice.
        main_old = [i for i in range(n) if self._boards[i] == Board.MAIN and not self._ipo[i]]
        n_st = min(len(main_old), max(int(round(ST_SHARE * n)), 1 if n >= 20 else 0))
        n_del = min(n_st, max(int(round(DELISTED_SHARE * n)), 1 if n >= 50 else 0))
        st = rng.choice(np.array(main_old, dtype=np.int64), n_st, replace=False) if n_st else np.array([], int)
        self._st = np.zeros(n, dtype=bool)
        self._st[st] = True
        self._delist_idx = np.full(n, 10**9, dtype=np.int64)
        for i, day in zip(st[:n_del], start_ord + rng.integers(*DELIST_DAYS, n_del)):
            idx = int(np.searchsorted(self._full_ords, day))
            if idx < n_full:
                self._delist_idx[i] = idx
        self._delisted = self._delist_idx < 10**9
        # Stocks listed by `end`: later listings do not exist yet.
        self._visible = np.array([d is not None and d <= self.end for d in self._listed_on], dtype=bool)

    def list_stocks(self) -> list[StockInfo]:
        infos = []
        for i in np.flatnonzero(self._visible):
            code = self._codes[i]
            exchange, board = classify_a_share(code)
            gone = self._delist_idx[i] < len(self.sessions)
            infos.append(StockInfo(
                code, f"SIM *ST {code}" if self._st[i] else f"SIM {code}", exchange.value, board.value,
                is_st=bool(self._st[i]), listed=not gone, listed_on=self._listed_on[i],
                delisted_on=datetime.date.fromordinal(int(self._full_ords[self._delist_idx[i]])) if gone else None,
            ))
        return infos

    # -- paths -------------------------------------------------------------------------------------------
    def _market(self) -> np.ndarray:
        """The common daily market return: GARCH(1,1) plus rare market-wide jumps (crash and rally days)."""
        if self._market_path is None:
            z = np.random.default_rng([self.seed, 1_000_000]).standard_normal((len(self.sessions), 2))
            h, omega, out = MARKET_VOL**2, MARKET_VOL**2 * 0.04, np.zeros(len(self.sessions))
            for t, (z0, z1) in enumerate(z.tolist()):
                shock = math.sqrt(h) * z0
                out[t] = shock + (math.copysign(0.035, z1) if abs(z1) > MARKET_JUMP_Z else 0.0)
                h = omega + 0.08 * shock * shock + 0.88 * h
            self._market_path = out
        return self._market_path

    def _stock_draws(self, i: int, days: int) -> tuple[list[float], np.ndarray, np.ndarray]:
        """Static parameters, daily draws (days, 8) and suspension mask of stock i, from its own generator."""
        rng = np.random.default_rng([self.seed, self._code_ints[i]])
        s, u = rng.standard_normal(12).tolist(), rng.random(12).tolist()
        board, st = self._boards[i], bool(self._st[i])
        price, vol, turnover = _STYLE[board]
        beta = min(max(0.9 + 0.25 * s[0], 0.3), 1.6)
        sigma = min(max(0.017 * math.exp(0.3 * s[1]) * vol * (1.2 if st else 1.0), 0.007), 0.05)
        anchor = min(max(price * math.exp(0.6 * s[2]) * (0.5 if st else 1.0), 3.0), 180.0)
        first = float(_tick(np.float64(min(max(anchor * math.exp(0.15 * s[3]), 2.2), 260.0))))
        if self._ipo[i]:
            first = float(_tick(np.float64(anchor * (0.35 + 0.35 * u[0]))))  # the issue price
        pop = math.exp(0.6 + 0.5 * s[4]) - 1.0  # first-day jump of a new listing
        amount = min(1.2e8 * math.exp(0.8 * s[5]) * turnover * (0.3 if st else 1.0), 3e9)  # CNY on a quiet day
        drift = -0.0015 if self._delisted[i] else 0.0002 * s[6]  # the delisted drift down first
        # Suspensions: 70% of stocks none; the rest 1-3 runs of mostly a few, sometimes dozens of sessions.
        episodes = 0 if u[1] < 0.7 else 1 if u[1] < 0.9 else 2 if u[1] < 0.97 else 3
        suspended = np.zeros(days, dtype=bool)
        for k in range(episodes):
            at = int(np.searchsorted(self._full_ords, self.start.toordinal() + int(u[2 + k] * SUSPENSION_DAYS)))
            suspended[at: at + min(max(math.ceil(math.exp(0.8 + 1.0 * s[7 + k])), 1), 60)] = True
        z = rng.standard_normal((days, 8))
        return [beta, sigma, anchor, first, pop, amount, drift], z, suspended

    def _simulate_block(self, block: int) -> dict[str, np.ndarray]:
        return self._simulate(np.arange(block * BLOCK, min((block + 1) * BLOCK, len(self._codes))), len(self.sessions))

    def _simulate(self, idx: np.ndarray, days: int) -> dict[str, np.ndarray]:
        """Bars of stocks idx for sessions [0, days): arrays (stocks, days), NaN where there is no bar."""
        n = len(idx)
        z = np.empty((8, days, n))
        suspended = np.empty((days, n), dtype=bool)
        params = np.empty((7, n))
        for j, i in enumerate(idx):
            p, draws, susp = self._stock_draws(int(i), days)
            params[:, j], z[:, :, j], suspended[:, j] = p, draws.T, susp
        beta, sigma, anchor, prev, pop, turnover, drift = params
        boards = [self._boards[i] for i in idx]
        st, ipo = self._st[idx], self._ipo[idx]
        limit = np.array([ST_PRICE_LIMIT if s and b == Board.MAIN else PRICE_LIMITS[b] for s, b in zip(st, boards)])
        ipo_up, ipo_down = np.array([_IPO_LIMITS.get(b, _FREE_IPO) for b in boards]).T.reshape(2, n)
        t_idx = np.arange(days)[:, None]
        active = (t_idx >= self._list_idx[idx]) & (t_idx < self._delist_idx[idx]) & ~suspended
        # News days lean positive: A-shares see more limit-up than limit-down days outside sell-offs.
        jump = np.where(np.abs(z[1]) > JUMP_Z, 0.055 * z[2] + np.copysign(0.03, z[2]) + 0.015, 0.0)
        market = self._market()[:days]
        h, omega = sigma * sigma, sigma * sigma * (1 - GARCH_A - GARCH_B)
        missed, started = np.zeros(n), np.zeros(n, dtype=bool)
        close, prevs, raw = np.full((days, n), np.nan), np.empty((days, n)), np.empty((days, n))
        up_px, down_px, first_day = np.empty((days, n)), np.empty((days, n)), np.zeros((days, n), dtype=bool)
        for t in range(days):
            act = active[t]
            shock = np.sqrt(h) * z[0, t]
            pull = KAPPA * 0.5 * (anchor / prev - prev / anchor) + 0.03 * np.maximum(3.0 / prev - 1.0, 0.0) \
                - 0.03 * np.maximum(prev / 250.0 - 1.0, 0.0)
            r = beta * market[t] + shock + jump[t] + pull + drift + missed
            listing = act & ~started & ipo
            r = np.where(listing, pop, r)
            up = _tick(prev * (1.0 + np.where(listing, ipo_up, limit)))
            down = np.maximum(_tick(prev * (1.0 - np.where(listing, ipo_down, limit))), 0.01)
            c = np.minimum(np.maximum(_tick(prev * (1.0 + r)), down), up)
            close[t] = np.where(act, c, np.nan)
            prevs[t], raw[t], up_px[t], down_px[t], first_day[t] = prev, r, up, down, listing
            h = np.where(act, omega + GARCH_A * shock * shock + GARCH_B * h, h)
            missed = np.where(act, 0.0, missed + beta * market[t])  # caught up on the day trading resumes
            prev = np.where(act, c, prev)
            started |= act
        return self._intraday(close, prevs, raw, up_px, down_px, first_day, z, sigma, limit, turnover)

    @staticmethod
    def _intraday(close: np.ndarray, prev: np.ndarray, raw: np.ndarray, up: np.ndarray, down: np.ndarray,
                  first_day: np.ndarray, z: np.ndarray, sigma: np.ndarray, limit: np.ndarray,
                  turnover: np.ndarray) -> dict[str, np.ndarray]:
        """Open, midday, high, low, volume and amount around each close, all inside the day's limit prices."""
        move = close / prev - 1.0
        # A big enough news day never trades off the limit ("one-word board"): open = high = low = close.
        locked_up = (raw >= 2.0 * limit) & (close == up) & ~first_day
        locked_down = (raw <= -2.0 * limit) & (close == down) & ~first_day
        locked = locked_up | locked_down
        open_ = np.minimum(np.maximum(_tick(prev * (1.0 + 0.4 * move + 0.6 * sigma * z[3])), down), up)
        open_ = np.where(locked, close, open_)
        midday = open_ + (close - open_) * np.clip(0.5 + 0.35 * z[4], -0.4, 1.4)
        midday = np.where(locked, close, np.minimum(np.maximum(_tick(midday), down), up))
        top, bottom = np.maximum(np.maximum(open_, midday), close), np.minimum(np.minimum(open_, midday), close)
        high = np.maximum(np.minimum(_tick(top + prev * sigma * 0.7 * np.abs(z[5])), up), top)
        low = np.minimum(np.maximum(_tick(bottom - prev * sigma * 0.7 * np.abs(z[6])), down), bottom)
        high, low = np.where(locked, close, high), np.where(locked, close, low)
        average = (open_ + midday + high + low + close) / 5.0
        noise = np.maximum(1.0 + 0.35 * z[7] + 0.06 * z[7] * z[7], 0.25)  # lognormal-like without exp
        activity = np.minimum(1.0 + 0.35 * np.abs(move) / sigma, 6.0) * np.where(locked, 0.15, 1.0)
        activity = np.where(first_day, 4.0, activity)  # a new listing's busy first day
        volume = np.maximum(np.floor(turnover * activity * noise / average / 100.0 + 0.5), 1.0) * 100.0
        amount = np.floor(volume * average * 100.0 + 0.5) / 100.0
        gone = np.isnan(close)
        out = {k: np.where(gone, np.nan, v) for k, v in zip(_FIELDS, (open_, midday, high, low, close, volume, amount))}
        out["prev"] = prev  # the last close before each session, also on days without a bar
        return {k: np.ascontiguousarray(v.T) for k, v in out.items()}

    def _path(self, code: str) -> dict[str, np.ndarray]:
        i = self._index.get(code)
        if i is None or not self._visible[i]:
            raise ProviderError(f"{code} is not a stock of the simulated market")
        block = self._block(i // BLOCK)
        return {k: v[i % BLOCK] for k, v in block.items()}

    def _range(self, start: datetime.date, end: datetime.date) -> slice:
        return slice(int(np.searchsorted(self._ords, start.toordinal())),
                     int(np.searchsorted(self._ords, end.toordinal(), side="right")))

    # -- provider interface ------------------------------------------------------------------------------
    def daily_bars(self, code: str, start: datetime.date, end: datetime.date) -> pd.DataFrame:
        path, span = self._path(code), self._range(start, end)
        has = ~np.isnan(path["close"][span])
        if not has.any():
            return empty_bars()
        frame = pd.DataFrame({"date": self._dates[span][has]})
        for column in _FIELDS[:-1]:
            frame[column] = path[column][span][has]
        frame["volume"] = frame["volume"].astype(np.int64)
        return frame

    def midday_prices(self, code: str, start: datetime.date, end: datetime.date) -> pd.Series:
        bars = self.daily_bars(code, start, end)
        return pd.Series(bars["midday"].to_numpy(), index=list(bars["date"]), dtype=float, name="midday")

    def bars_for_universe(self, start: datetime.date, end: datetime.date) -> pd.DataFrame:
        """Bars of every stock for start..end at once (a `code` column plus BAR_COLUMNS), code then date."""
        span = self._range(start, end)
        parts: dict[str, list[np.ndarray]] = {column: [] for column in ("code", "date", *_FIELDS[:-1])}
        visible = np.flatnonzero(self._visible)
        for lo in range(0, len(visible), CHUNK):
            if span.stop <= span.start:
                break
            idx = visible[lo: lo + CHUNK]
            path = self._simulate(idx, span.stop)
            rows, cols = np.nonzero(~np.isnan(path["close"][:, span]))
            parts["code"].append(np.array(self._codes, dtype=object)[idx][rows])
            parts["date"].append(self._dates[span][cols])
            for column in _FIELDS[:-1]:
                parts[column].append(path[column][:, span][rows, cols])
        if not parts["code"]:
            frame = empty_bars()
            frame.insert(0, "code", pd.Series(dtype=object))
            return frame
        frame = pd.DataFrame({column: np.concatenate(arrays) for column, arrays in parts.items()})
        frame["volume"] = frame["volume"].astype(np.int64)
        return frame

    def quote_at(self, code: str, when: datetime.datetime) -> Quote:
        """The price at an instant. Before the 09:25 call-auction result: the previous close; 09:25-09:30: the
        open; 09:30-11:30 open to midday; 11:30-13:00 midday; 13:00-15:00 midday to close; then the close.
        A deterministic wiggle (zero at both ends of each session) stays inside the day's [low, high]."""
        local = when.astimezone(SHANGHAI) if when.tzinfo else when.replace(tzinfo=SHANGHAI)
        path, ordinal = self._path(code), local.date().toordinal()
        t = int(np.searchsorted(self._ords, ordinal, side="right")) - 1  # last session on or before the day
        close = path["close"]
        if t < 0 or not (self._ords[t] == ordinal and not np.isnan(close[t])):
            traded = np.flatnonzero(~np.isnan(close[: t + 1]))
            if not len(traded):
                raise ProviderError(f"{code} has not traded by {local.date()}")
            k = int(traded[-1])
            # A session of the simulated range without a bar: suspended (or delisted), not tradable.
            return Quote(code, float(close[k]), local, prev_close=float(close[k]), volume=0, amount=0.0,
                         suspended=bool(t >= 0 and self._ords[t] == ordinal))
        o, m, c, hi, lo, prev = (float(path[k][t]) for k in ("open", "midday", "close", "high", "low", "prev"))
        minute = local.hour * 60 + local.minute + local.second / 60.0
        if minute < 9 * 60 + 25:
            return Quote(code, prev, local, prev_close=prev, volume=0, amount=0.0)
        # (start price, end price, fraction of the session done, share of the day's volume traded so far)
        if minute < 9 * 60 + 30:
            a, b, f, done = o, o, 0.0, 0.0
        elif minute < 11 * 60 + 30:
            f = (minute - 570) / 120.0
            a, b, done = o, m, f / 2
        elif minute < 13 * 60:
            a, b, f, done = m, m, 1.0, 0.5
        elif minute < 15 * 60:
            f = (minute - 780) / 120.0
            a, b, done = m, c, 0.5 + f / 2
        else:
            a, b, f, done = c, c, 1.0, 1.0
        phase = np.random.default_rng([self.seed, self._code_ints[self._index[code]], ordinal]).random(2) * 2 * math.pi
        wiggle = 0.25 * (hi - lo) * math.sin(math.pi * f) * (
            0.6 * math.sin(6 * math.pi * f + phase[0]) + 0.4 * math.sin(14 * math.pi * f + phase[1]))
        price = min(max(round(a + (b - a) * f + wiggle, 2), lo), hi)
        seen = [o, price] + ([m] if minute >= 11 * 60 + 30 else [])
        high, low = (hi, lo) if done >= 1.0 else (min(max(seen), hi), max(min(seen), lo))
        volume = int(path["volume"][t] * done) // 100 * 100
        return Quote(code, price, local, open=o, high=high, low=low, prev_close=prev, volume=volume,
                     amount=round(volume * (o + price) / 2, 2) if done < 1.0 else float(path["amount"][t]))

    def quotes(self, codes: Sequence[str], at: datetime.datetime | None = None) -> list[Quote]:
        """Quotes at `at` (default: now in Shanghai); codes not (yet) in the market are left out."""
        when = at or datetime.datetime.now(SHANGHAI)
        out = []
        for code in codes:
            try:
                out.append(self.quote_at(code, when))
            except ProviderError:
                continue
        return out
