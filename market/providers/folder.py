"""A user's own data: a folder of CSV or Parquet files, one per stock.

Format (documented in docs/data-format.md):
- `<CODE>.csv` or `<CODE>.parquet` per stock, e.g. `600519.csv`, `AAPL.parquet`; columns
  `date,open,high,low,close,volume` and optionally `midday` (11:30 price) and `amount`; one row per day.
- optional `stocks.csv` with `code,name[,exchange,board,is_st,listed]`; without it, six-digit codes are
  classified as A-shares by prefix and other codes as US stocks.
Row numbers travel with the bars (column `row`, the file's line number) so rejected rows can be named.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from market.codes import classify_a_share, is_st_name
from market.providers.base import BAR_COLUMNS, Provider, ProviderError, Quote, StockInfo, empty_bars

REQUIRED = ["date", "open", "high", "low", "close", "volume"]


class FolderProvider(Provider):
    name = "folder"

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise ProviderError(f"{self.folder} is not a folder")

    def files(self) -> dict[str, Path]:
        files = {}
        for path in sorted(self.folder.iterdir()):
            if path.suffix in (".csv", ".parquet") and path.stem != "stocks":
                files[path.stem.upper()] = path
        return files

    def list_stocks(self) -> list[StockInfo]:
        listing = self.folder / "stocks.csv"
        names: dict[str, dict[str, str]] = {}
        if listing.exists():
            table = pd.read_csv(listing, dtype=str).fillna("")
            if "code" not in table:
                raise ProviderError(f"{listing}: needs a 'code' column")
            names = {row["code"].upper(): row for row in table.to_dict("records")}
        stocks = []
        for code in sorted(set(self.files()) | set(names)):
            given = names.get(code, {})
            name = given.get("name", "")
            try:
                exchange, board = classify_a_share(code)
                exchange_name, board_name = str(exchange), str(board)
            except ValueError:
                exchange_name, board_name = "NASDAQ", "us"
            stocks.append(
                StockInfo(
                    code=code,
                    name=name,
                    exchange=given.get("exchange") or exchange_name,
                    board=given.get("board") or board_name,
                    is_st=given.get("is_st", "").lower() in ("1", "true", "yes") or is_st_name(name),
                    listed=given.get("listed", "true").lower() not in ("0", "false", "no"),
                )
            )
        return stocks

    def read(self, code: str) -> pd.DataFrame:
        """The whole file as given (strings kept where they are not numbers), with line numbers."""
        path = self.files().get(code.upper())
        if path is None:
            return empty_bars()
        try:
            frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, dtype=str)
        except Exception as exc:  # noqa: BLE001 - any unreadable file is reported by name
            raise ProviderError(f"{path.name}: cannot be read ({exc})") from None
        frame.columns = [str(c).strip().lower() for c in frame.columns]
        missing = [c for c in REQUIRED if c not in frame]
        if missing:
            raise ProviderError(f"{path.name}: missing column(s) {', '.join(missing)}; expected {', '.join(REQUIRED)}")
        for column in BAR_COLUMNS:
            if column not in frame:
                frame[column] = float("nan")
        frame["row"] = range(2, len(frame) + 2)  # line 1 is the header
        return frame[[*BAR_COLUMNS, "row"]]

    def daily_bars(self, code: str, start: datetime.date, end: datetime.date) -> pd.DataFrame:
        frame = self.read(code)
        dates = pd.to_datetime(frame["date"], errors="coerce").dt.date
        return frame[(dates >= start) & (dates <= end)].reset_index(drop=True)

    def quotes(self, codes: Sequence[str]) -> list[Quote]:
        return []  # files hold history only
