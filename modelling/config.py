"""Hyper-parameters of the one LSTM, stored with every trained version."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

# What each feature set feeds in per day and predicts for the next day. `morning` is the original's
# "2 -> 2": at noon the day's open and 11:30 price are known, and tomorrow's are predicted, so the
# afternoon buy can use them. `daily` is for histories without 11:30 prices (most downloaded data).
FEATURE_SETS: dict[str, dict[str, list[str]]] = {
    "morning": {"inputs": ["open", "midday"], "targets": ["open", "midday"]},
    "daily": {"inputs": ["open", "high", "low", "close"], "targets": ["open", "close"]},
}

# Bumped when the saved artefact's layout changes; an artefact of another format is refused.
FORMAT_VERSION = 1


@dataclass(frozen=True)
class ModelConfig:
    feature_set: str = "morning"
    window: int = 22
    units: int = 32
    layers: int = 1
    dropout: float = 0.1
    learning_rate: float = 1e-3
    batch_size: int = 1024
    epochs: int = 20
    patience: int = 3
    # Chronological split of prediction dates: the last `test_fraction` is held out, never trained on.
    validation_fraction: float = 0.15
    test_fraction: float = 0.15
    # Incremental training: epochs over the new data plus this share of older samples replayed.
    incremental_epochs: int = 5
    replay_fraction: float = 0.3
    # Windows do not cross a gap longer than this many calendar days (a long suspension).
    max_gap_days: int = 15
    seed: int = 7
    # Which stock sources to train and predict on (empty: every stock with the needed prices).
    sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        problems = []
        if self.feature_set not in FEATURE_SETS:
            problems.append(f"feature_set must be one of {', '.join(FEATURE_SETS)}, not {self.feature_set!r}")
        for name in ("window", "units", "layers", "batch_size", "epochs", "patience", "incremental_epochs", "max_gap_days"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                problems.append(f"{name} must be a whole number >= 1, not {value!r}")
        for name in ("dropout", "replay_fraction"):
            if not 0 <= getattr(self, name) < 1:
                problems.append(f"{name} must be in [0, 1), not {getattr(self, name)!r}")
        if not 0 < self.learning_rate < 1:
            problems.append(f"learning_rate must be in (0, 1), not {self.learning_rate!r}")
        if not (0 < self.validation_fraction < 0.5 and 0 < self.test_fraction < 0.5):
            problems.append("validation_fraction and test_fraction must each be in (0, 0.5)")
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def inputs(self) -> list[str]:
        return FEATURE_SETS[self.feature_set]["inputs"]

    @property
    def targets(self) -> list[str]:
        return FEATURE_SETS[self.feature_set]["targets"]

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> ModelConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown hyper-parameter(s): {', '.join(sorted(unknown))}")
        values = dict(values)
        if "sources" in values:
            values["sources"] = tuple(values["sources"] or ())
        return cls(**values)

    def architecture(self) -> tuple[Any, ...]:
        """What must match for a version to warm-start from another."""
        return (self.feature_set, self.window, self.units, self.layers)
