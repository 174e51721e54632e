"""Speed of the core, as figures: cold start, warm latency per question (alone and with the
other core busy), post-checking throughput, and peak memory.

    .venv/bin/python benchmarks/speed.py            # all figures
    .venv/bin/python benchmarks/speed.py --quick    # fewer repetitions

Targets: warm <= 25 ms a question; cold start (process start to first answer) <= 10 s;
>= 100 posts a second checked. Nothing here asserts: it measures and prints.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.config import Settings  # noqa: E402
from bot.evaluation import load_question_set  # noqa: E402
from bot.post_evaluation import load_post_set  # noqa: E402
from bot.service import PolicyService  # noqa: E402
from bot.static_embedding import table_path  # noqa: E402


def burn(stop) -> None:
    """Keep one core busy, as another process on a small server would."""
    x = 0
    while not stop.is_set():
        for _ in range(10_000):
            x = (x * 31 + 7) % 1_000_003


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def summary(label: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (
        f"{label:<44} n={len(ms):<4} median {statistics.median(ms):6.1f} ms   "
        f"p95 {percentile(ms, 0.95):6.1f} ms   max {max(ms):6.1f} ms"
    )


def row(label: str, value: str) -> None:
    print(f"{label:<44} {value}")


def time_each(fn, items) -> list[float]:
    out = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        out.append(time.perf_counter() - start)
    return out


def cold_start(runs: int) -> list[float]:
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bot", "ask", "can I share this petition?", "--json"],
            cwd=REPO,
            env=env,
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - start)
    return times


def under_load(fn):
    stop = multiprocessing.Event()
    burner = multiprocessing.Process(target=burn, args=(stop,), daemon=True)
    burner.start()
    try:
        time.sleep(0.5)
        return fn()
    finally:
        stop.set()
        burner.join(timeout=5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    repeat = 1 if args.quick else 3

    questions = [q.question for q in load_question_set(REPO / "tests/data/questions.yml")]
    posts = [(p.text, p.account) for name in ("posts.yml", "posts-extra.yml")
             for p in load_post_set(REPO / "tests/data" / name)]

    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    cold = cold_start(2 if args.quick else 3)
    print(summary("cold start: process start to first answer", cold))

    settings = Settings.from_env()
    service = PolicyService.from_settings(settings, load_checker=False)
    cached = table_path(service.embedder.name, settings.cache_dir).exists()
    start = time.perf_counter()
    _ = service.checker
    row(
        "post checker start-up" + ("" if cached else " (static table built now)"),
        f"{time.perf_counter() - start:.2f} s",
    )
    start = time.perf_counter()
    service = PolicyService.from_settings(settings)
    row("in-process start-up (model, index, rules)", f"{time.perf_counter() - start:.2f} s")
    service.ask("warm up")

    ask_alone = time_each(service.ask, questions * repeat)
    print(summary("ask, warm, one question at a time", ask_alone))
    ask_busy = under_load(lambda: time_each(service.ask, questions * repeat))
    print(summary("ask, warm, other core busy", ask_busy))

    # The JSON Lines modes are a process's only work, so they use every core (as the CLI does).
    batch_service = PolicyService.from_settings(settings.for_batch())
    batch_service.ask("warm up")
    start = time.perf_counter()
    batch_service.ask_many(questions * repeat)
    batch = time.perf_counter() - start
    row(
        f"ask, batched (JSON Lines; {settings.batch_threads} threads)",
        f"{len(questions) * repeat / batch:7.1f} questions/s",
    )

    checker = service.checker
    service.check("Warm-up post about the bin collection on Tuesday.")

    def unseen(fn):
        """Every post is checked as if new: no sentence vector is remembered from before."""
        checker.vectors._memory.clear()
        checker.screened[:] = [0, 0]
        return fn()

    one = lambda p: service.check(p[0], p[1])  # noqa: E731
    check_one = unseen(lambda: time_each(one, posts))
    print(summary("checkpost, warm, one post at a time", check_one))
    row("checkpost, one at a time", f"{len(check_one) / sum(check_one):7.1f} posts/s")
    seen, passed = checker.screened
    row("sentences sent to the transformer", f"{passed} of {seen} ({passed / max(seen, 1):.0%})")
    council = [text for text, account in posts if account == "council"]
    batch_checker = batch_service.checker
    batch_service.check("Warm-up post about the bin collection on Tuesday.")
    batch_checker.vectors._memory.clear()
    start = time.perf_counter()
    batch_service.check_many(council, "council")
    rate = len(council) / (time.perf_counter() - start)
    label = f"checkpost, batched (JSON Lines; {settings.batch_threads} threads)"
    row(label, f"{rate:7.1f} posts/s")
    check_busy = under_load(lambda: unseen(lambda: time_each(one, posts)))
    row(
        "checkpost, one at a time, other core busy",
        f"{len(check_busy) / sum(check_busy):7.1f} posts/s",
    )

    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    row("peak memory: this process / a CLI process", f"{peak_self:.0f} MB / {peak_child:.0f} MB")


if __name__ == "__main__":
    main()
