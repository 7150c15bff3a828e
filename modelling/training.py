"""Weekly training: full, or incremental from the active version, with an honest held-out report."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.utils import timezone

from market.models import Stock
from market.storage import load_bars
from modelling import network
from modelling.config import FORMAT_VERSION, ModelConfig
from modelling.dataset import Split, Windows, build_training_windows, chronological_split, columns_for, data_hash
from modelling.metrics import report
from modelling.models import ModelVersion
from workflows import progress

logger = logging.getLogger(__name__)


class TrainingError(Exception):
    pass


def _stock_ids(sources: list[str] | None) -> tuple[list[int], bool]:
    stocks = Stock.objects.all()
    if sources:
        stocks = stocks.filter(source__in=sources)
    ids = list(stocks.order_by("pk").values_list("pk", flat=True))
    synthetic = stocks.filter(is_synthetic=True).exists()
    return ids, synthetic


def _date(value: np.datetime64) -> str:
    return str(np.datetime_as_string(value, unit="D"))


def _incremental_data(split: Split, parent: ModelVersion, config: ModelConfig) -> Windows:
    """Training windows after the parent's training data, plus a replay sample of older ones."""
    parent_end = np.datetime64(parent.metrics["split"]["train_end"])
    train = split.train
    new = train.dates > parent_end
    if not new.any():
        raise TrainingError(f"no training windows after {parent.metrics['split']['train_end']} to add to {parent.version}")
    old = np.flatnonzero(~new)
    rng = np.random.default_rng(config.seed)
    replay = rng.choice(old, size=min(len(old), int(new.sum() * config.replay_fraction / (1 - config.replay_fraction))), replace=False)
    mask = new.copy()
    mask[replay] = True
    return train.subset(mask)


def train(
    config: ModelConfig | None = None,
    *,
    full: bool = False,
    force: bool = False,
) -> dict[str, Any]:
    """Train a new version; returns a JSON summary. Skips when the data has not changed."""
    active = ModelVersion.objects.filter(is_active=True, status=ModelVersion.Status.READY).first()
    if config is None:
        config = ModelConfig.from_dict(active.config) if active else ModelConfig(feature_set=settings.MODEL_FEATURE_SET)
    stock_ids, synthetic = _stock_ids(list(config.sources))
    bars = load_bars(stock_ids, columns=columns_for(config))
    digest = data_hash(bars, config)
    if active and active.data_hash == digest and not force:
        return {"skipped": f"data unchanged since {active.version}", "data_hash": digest}
    windows = build_training_windows(bars, config)
    if len(windows) == 0:
        raise TrainingError(f"no {config.feature_set} windows of {config.window} days in {len(bars)} bars "
                            f"({windows.skipped_stocks} stocks have too little clean history)")
    split = chronological_split(windows, config)
    if len(split.train) < config.batch_size // 4:
        raise TrainingError(f"only {len(split.train)} training windows: too little data")
    parent = active if (active and not full and ModelConfig.from_dict(active.config).architecture() == config.architecture()
                        and "split" in active.metrics) else None

    version = ModelVersion.objects.create(
        version=timezone.now().strftime("%Y%m%d-%H%M%S-") + digest[:6], feature_set=config.feature_set,
        config=config.as_dict(), data_hash=digest, parent=parent, format_version=FORMAT_VERSION,
        data_start=windows.dates.min().item(), data_end=windows.dates.max().item(),
    )
    started = time.perf_counter()
    try:
        with network.strategy().scope():
            if parent is not None:
                model = network.load(Path(parent.artefact_path), config)
                data, epochs = _incremental_data(split, parent, config), config.incremental_epochs
            else:
                model, data, epochs = network.build(config), split.train, config.epochs
        logger.info("%s training on %s: %d windows (%d stocks, %d skipped with too little history), %d epochs max, %s",
                    "incremental" if parent else "full", network.device_summary(), len(data),
                    len(np.unique(data.stock_ids)), windows.skipped_stocks, epochs,
                    f"from {parent.version}" if parent else "from scratch")
        fit_started = time.perf_counter()
        with progress.task(epochs, "epochs") as reporter:
            curve = network.fit(model, data.x, data.y, split.validation.x, split.validation.y, epochs=epochs,
                                config=config, callbacks=[network.EpochLog(reporter.advance)])
        seconds = time.perf_counter() - fit_started
        ref_column = config.inputs.index("midday" if config.feature_set == "morning" else "close")
        held_out = report(network.predict(model, split.test.x), split.test, ref_column)
        compared = None
        if active is not None:
            try:
                compared = report(network.predict(network.load(Path(active.artefact_path)), split.test.x), split.test,
                                  ref_column)["model"]
            except (network.ModelArtefactError, ValueError) as exc:
                logger.warning("cannot compare with the active version %s: %s", active.version, exc)
        path = Path(settings.MODEL_DIR) / f"{version.version}.keras"
        network.save(model, path)
    except Exception as exc:
        version.status = ModelVersion.Status.FAILED
        version.metrics = {"error": f"{type(exc).__name__}: {exc}"}
        version.save(update_fields=["status", "metrics"])
        raise

    version.metrics = {
        "held_out": held_out,
        "active_on_same_test": compared,
        "split": {"train_end": _date(split.validation_start - 1), "validation_start": _date(split.validation_start),
                  "test_start": _date(split.test_start), "test_end": _date(windows.dates.max())},
        "windows": {"train": len(data), "validation": len(split.validation), "test": len(split.test),
                    "skipped_stocks": windows.skipped_stocks},
        "mode": "incremental" if parent else "full",
        "synthetic_data": synthetic,
        "device": network.device_summary(),
        "sequences_trained": len(data) * len(curve),  # windows x epochs run
        "throughput_sequences_per_s": round(len(data) * len(curve) / seconds),
        "total_seconds": round(time.perf_counter() - started, 2),
    }
    version.loss_curve = curve
    version.training_seconds = seconds  # the fit alone: what incremental training saves
    version.artefact_path = str(path)
    version.status = ModelVersion.Status.READY
    version.save()
    promoted = _maybe_promote(version, active, held_out["model"], compared)
    for name, row in held_out.items():
        logger.info("held-out %-14s direction %s, IC %s, rank IC %s, MAE %s", name, row["direction_accuracy"],
                    row["ic"], row["rank_ic"], row["mae"])
    logger.info("version %s %s", version.version, "promoted to active" if promoted else "not promoted")
    return {"version": version.version, "mode": version.metrics["mode"], "promoted": promoted,
            "training_seconds": round(seconds, 2), "sequences_trained": len(data) * len(curve), "held_out": held_out, "active_on_same_test": compared,
            "windows": version.metrics["windows"], "synthetic_data": synthetic}


def _maybe_promote(version: ModelVersion, active: ModelVersion | None, new: dict[str, float],
                   old: dict[str, float] | None) -> bool:
    """Promote automatically only when the new version beats the active one on the same held-out days."""
    if not settings.MODEL_AUTO_PROMOTE:
        return False
    if active is None:
        version.activate()
        return True
    if old is None or new["rank_ic"] is None:
        return False
    if old["rank_ic"] is None or new["rank_ic"] > old["rank_ic"]:
        version.activate()
        return True
    return False
