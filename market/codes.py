"""What an A-share code says about its exchange and board."""

from __future__ import annotations

from market.models import Board, Exchange


def classify_a_share(code: str) -> tuple[Exchange, Board]:
    """Exchange and board of a six-digit A-share code; ValueError for anything else."""
    if len(code) != 6 or not code.isdigit():
        raise ValueError(f"{code!r} is not a six-digit A-share code")
    if code.startswith("688") or code.startswith("689"):
        return Exchange.SSE, Board.STAR
    if code.startswith(("600", "601", "603", "605")):
        return Exchange.SSE, Board.MAIN
    if code.startswith(("300", "301")):
        return Exchange.SZSE, Board.CHINEXT
    if code.startswith(("000", "001", "002", "003")):
        return Exchange.SZSE, Board.MAIN
    if code.startswith(("4", "8", "92")):
        return Exchange.BSE, Board.BSE
    raise ValueError(f"{code!r} is not a known A-share stock code prefix")


def is_st_name(name: str) -> bool:
    """ST and *ST names carry the tighter price limit."""
    return "ST" in name.upper().replace(" ", "")[:4]
