"""Benchmark: 4,000 stocks synced through the `market` queue in chunks, 1 vs 2 worker processes.

    BENCH_DATABASE_URL=mysql://root@127.0.0.1:3306/stocktrading_bench python bench/market_fanout.py
    ... bench/market_fanout.py --workflow sync_history     # the close sync instead of data initialisation

The provider is the local simulated market (SYNTHETIC, CPU-bound rather than network-bound), 60 trading
days per stock, chunks of 200 stocks; workers are real Celery worker processes on the filesystem broker.
Timed from queueing the workflow to the last chunk's run finishing.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from _django import ROOT, setup


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stocks", type=int, default=4000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--chunk", type=int, default=200)
    parser.add_argument("--workflow", choices=("data_init", "sync_history"), default="data_init")
    args = parser.parse_args()
    os.environ["SIMULATED_STOCKS"] = str(args.stocks)
    database = setup()

    from django.conf import settings

    from config.celery_app import app
    from market import calendar
    from market.ingest import upsert_stocks
    from market.models import DailyBar, RejectedBar, Stock
    from market.providers import get
    from workflows.dispatch import run_now
    from workflows.models import WorkflowRun

    provider = get("simulated")
    end = calendar.previous_trading_day(calendar.market_today())
    start = calendar.sessions(end.replace(year=end.year - 1), end)[-args.days]
    DailyBar.objects.all().delete()
    RejectedBar.objects.all().delete()
    WorkflowRun.objects.all().delete()
    Stock.objects.all().delete()
    upsert_stocks(provider.list_stocks(), provider.name, synthetic=True)
    stocks = Stock.objects.count()
    env = {**os.environ, "DATABASE_URL": os.environ["DATABASE_URL"], "DATA_DIR": str(settings.DATA_DIR),
           "HISTORY_START": start.isoformat()}  # where the close sync starts a stock with no bars
    inputs = {"source": "simulated", "chunk_size": args.chunk}
    inputs.update({"start": start.isoformat(), "end": end.isoformat()} if args.workflow == "data_init" else {"mode": "close"})
    results = {}
    for processes in (1, 2):
        DailyBar.objects.all().delete()
        Stock.objects.update(history_synced_through=None)
        WorkflowRun.objects.all().delete()
        app.control.purge()
        log = Path(settings.DATA_DIR) / f"worker-{processes}.log"
        worker = subprocess.Popen(
            [str(Path(sys.executable).parent / "celery"), "-A", "config", "worker", "-Q", "market", "-c",
             str(processes), "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
            cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
        try:
            time.sleep(8)  # the worker starts
            started = time.perf_counter()
            parent = run_now(args.workflow, inputs)
            while True:
                parent.refresh_from_db()
                children = WorkflowRun.objects.filter(parent=parent)
                if parent.is_finished and children.exists() and not children.exclude(
                        status__in=WorkflowRun.FINISHED_STATUSES).exists():
                    break
                time.sleep(0.5)
            results[processes] = time.perf_counter() - started
            failed = children.exclude(status="succeeded").count()
            assert failed == 0, f"{failed} chunk runs did not succeed; see {log}"
        finally:
            worker.terminate()
            worker.wait(timeout=60)
    bars = DailyBar.objects.count()
    print(f"database: {database}; machine: {platform.machine()}, {os.cpu_count()} cores")
    print(f"{args.workflow} of {stocks:,} SYNTHETIC stocks x {args.days} days ({bars:,} bars), chunks of {args.chunk}:")
    for processes, seconds in results.items():
        print(f"  {processes} worker process(es): {seconds:.1f} s")
    print(f"  speed-up: {results[1] / results[2]:.2f}x")


if __name__ == "__main__":
    main()
