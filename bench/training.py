"""Benchmark: LSTM training throughput (sequences/s) for the default config, on whatever device TF sees.

    python bench/training.py [--stocks 4000 --days 500 --epochs 2]

Goal (issue #4): at least 20,000 sequences/s on the 2-core CPU, so one epoch over 4,000 stocks x 500
days (about 2 million windows) finishes in under 2 minutes. The windows come from a synthetic random
walk built in memory: this measures the network, not the database (bench/bars_storage.py does that).
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from _django import setup


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stocks", type=int, default=4000)
    parser.add_argument("--days", type=int, default=500)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=None)
    args = parser.parse_args()
    setup()

    from market.storage import BarArrays
    from modelling import network
    from modelling.config import ModelConfig
    from modelling.dataset import build_training_windows

    config = ModelConfig()
    if args.batch_size:
        config = ModelConfig(batch_size=args.batch_size)
    rng = np.random.default_rng(1)
    n = args.stocks * args.days
    midday = 10 * np.exp(np.cumsum(rng.normal(0, 0.02, (args.stocks, args.days)), axis=1)).ravel()
    values = np.stack([midday * (1 + rng.normal(0, 0.005, n)), midday], axis=1)
    dates = np.tile(np.datetime64("2022-01-03") + np.arange(args.days), args.stocks)
    bars = BarArrays(np.arange(args.stocks), np.arange(0, n + 1, args.days), dates, values, ("open", "midday"))
    started = time.perf_counter()
    windows = build_training_windows(bars, config)
    build_s = time.perf_counter() - started

    with network.strategy().scope():
        model = network.build(config)
    network.fit(model, windows.x[:config.batch_size * 4], windows.y[:config.batch_size * 4], windows.x[:0],
                windows.y[:0], epochs=1, config=config, callbacks=[])  # warm-up: graph tracing
    started = time.perf_counter()
    network.fit(model, windows.x, windows.y, windows.x[:0], windows.y[:0], epochs=args.epochs, config=config,
                callbacks=[])
    fit_s = time.perf_counter() - started
    rate = len(windows) * args.epochs / fit_s
    print(f"device: {network.device_summary()}; machine: {platform.machine()}, {os.cpu_count()} cores")
    print(f"config: {config.feature_set}, window {config.window}, units {config.units}, layers {config.layers}, "
          f"batch {config.batch_size}")
    print(f"windows built: {len(windows):,} in {build_s:.1f} s")
    print(f"training: {len(windows) * args.epochs:,} sequences in {fit_s:.1f} s = {rate:,.0f} sequences/s; "
          f"one epoch over {len(windows):,} windows: {len(windows) / rate:.0f} s")


if __name__ == "__main__":
    main()
