"""A price line as an inline SVG path: enough for a stock page without a JavaScript chart library."""

from __future__ import annotations

from collections.abc import Sequence


def line_path(values: Sequence[float], width: int = 600, height: int = 160, pad: int = 4) -> str:
    points = [v for v in values if v is not None]
    if len(points) < 2:
        return ""
    low, high = min(points), max(points)
    span = (high - low) or 1.0
    step = (width - 2 * pad) / (len(points) - 1)
    coords = (
        f"{pad + i * step:.1f},{height - pad - (v - low) / span * (height - 2 * pad):.1f}" for i, v in enumerate(points)
    )
    return "M" + " L".join(coords)
