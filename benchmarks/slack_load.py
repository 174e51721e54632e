"""Load test: acknowledgement latency of `policybot serve` under 200 signed requests at
concurrency 20, including 10 slow /checkpost commands at once; then checks that every request
was answered exactly once and none was lost.

    python benchmarks/slack_load.py [--requests 200] [--concurrency 20]

It starts a stand-in Slack Web API on loopback (tests/slack/standin.py) and the real server as a
subprocess pointed at it, with a throw-away database. Prints p50/p95/max acknowledgement times.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.config import Settings  # noqa: E402
from bot.embedding import share_cache  # noqa: E402
from tests.slack.serving import ServerDidNotStart, serving  # noqa: E402
from tests.slack.signing import SECRET, command_body, event_body, signed_headers  # noqa: E402
from tests.slack.standin import StandIn  # noqa: E402

QUESTIONS = [
    "can I share a petition on the council's facebook page?",
    "what should my password be?",
    "can I use my own laptop for council email?",
    "am I allowed to post about politics on my own account?",
    "can I reply to a rude comment on the council page?",
]
SLOW_DRAFT = (
    "Thanks to everyone who came to the summer fair! Councillor Smith said the idiots who "
    "complained about the parking should stay at home. Call 07700 900123 or email "
    "jane.doe@example.com for details, and sign the petition at http://bit.ly/xyz. "
) * 8


def post(
    url: str, body: str, content_type: str, extra: dict | None = None
) -> tuple[int, float, str]:
    headers = {"Content-Type": content_type} | signed_headers(body) | (extra or {})
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read().decode()
            status = response.status
    except urllib.error.HTTPError as exc:
        status, text = exc.code, ""
    except OSError:
        status, text = 0, ""
    return status, time.perf_counter() - started, text


def build_requests(total: int, standin: StandIn) -> list[dict]:
    """10 slow /checkpost first (they go out together), then mentions, retries and /policy."""
    requests = []
    for n in range(10):
        requests.append(
            {
                "kind": "checkpost",
                "expect": f"cp{n}",
                "body": command_body(
                    "/checkpost",
                    SLOW_DRAFT + str(n),
                    standin.response_url(f"cp{n}"),
                    trigger_id=f"t-cp{n}",
                ),
                "type": "application/x-www-form-urlencoded",
            }
        )
    n = 0
    while len(requests) < total:
        n += 1
        if n % 4 == 0:
            requests.append(
                {
                    "kind": "policy",
                    "expect": f"po{n}",
                    "body": command_body(
                        "/policy",
                        QUESTIONS[n % len(QUESTIONS)],
                        standin.response_url(f"po{n}"),
                        trigger_id=f"t-po{n}",
                    ),
                    "type": "application/x-www-form-urlencoded",
                }
            )
            continue
        ts = f"1700000000.{n:06d}"
        event = {
            "type": "app_mention",
            "user": "U1",
            "channel": "CLOAD",
            "ts": ts,
            "text": f"<@UBOT> {QUESTIONS[n % len(QUESTIONS)]}",
        }
        body = event_body(event, event_id=f"EvLoad{n}")
        requests.append({"kind": "mention", "expect": ts, "body": body, "type": "application/json"})
        if n % 7 == 0 and len(requests) < total:  # Slack retrying the same event
            requests.append(
                {
                    "kind": "retry",
                    "expect": ts,
                    "body": body,
                    "type": "application/json",
                    "headers": {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
                }
            )
    return requests[:total]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()

    standin = StandIn().start()
    home = Path(tempfile.mkdtemp(prefix="policybot-load-"))
    share_cache(Settings.from_env().cache_dir, home / "cache")  # model artefacts built by set-up
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")} | {
        "SLACK_BOT_TOKEN": "xoxb-load",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": standin.api_url,
        "TOWN_MANAGER_SLACK_ID": "UMANAGER",
        "DATABASE_URL": f"sqlite:///{home / 'load.db'}",
        "POLICYBOT_CACHE_DIR": str(home / "cache"),
    }
    try:
        with serving(env, home / "server.txt", timeout=180) as (base, _process):
            return run_load(args, standin, base + "/slack/events")
    except ServerDidNotStart as exc:
        print(f"server did not start:\n{exc}")
        return 1
    finally:
        standin.stop()


def run_load(args, standin: StandIn, url: str) -> int:
    """Send the requests, count acknowledgements and replies, print the figures."""
    requests = build_requests(args.requests, standin)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        results = list(
            pool.map(lambda r: post(url, r["body"], r["type"], r.get("headers")), requests)
        )
    elapsed = time.perf_counter() - started

    # Wait for the replies to arrive, then count them.
    expected = {r["expect"]: r["kind"] for r in requests if r["kind"] != "retry"}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if len(delivered(standin, expected)) >= len(expected):
            break
        time.sleep(0.2)
    counts = delivered(standin, expected)
    latencies = sorted(t for _, t, _ in results)
    statuses = Counter(s for s, _, _ in results)
    busy_acks = sum(1 for _, _, text in results if "busy with other requests" in text)
    once = sum(1 for key in expected if counts.get(key) == 1)
    twice = sum(1 for key in expected if counts.get(key, 0) > 1)
    lost = sum(1 for key in expected if not counts.get(key))
    busy = busy_acks + sum(1 for c in standin.calls if "busy with other requests" in c.text())
    kinds = Counter(r["kind"] for r in requests)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(f"requests:            {len(requests)} ({dict(kinds)}), concurrency {args.concurrency}")
    print(f"HTTP statuses:       {dict(statuses)}")
    print(f"wall time:           {elapsed:.2f} s")
    print(f"ack latency p50:     {statistics.median(latencies) * 1000:.1f} ms")
    print(f"ack latency p95:     {p95 * 1000:.1f} ms")
    print(f"ack latency max:     {latencies[-1] * 1000:.1f} ms")
    print(f"acks over 3 s:       {sum(1 for t in latencies if t >= 3)}")
    print(f"answered once:       {once} of {len(expected)} distinct requests")
    print(f"answered twice:      {twice}")
    print(f"lost:                {lost}")
    print(f"told 'busy':         {busy}")
    ok = (
        statuses.get(200) == len(requests)
        and p95 < 0.3
        and latencies[-1] < 3
        and not twice
        and not lost
    )
    return 0 if ok else 1


def delivered(standin: StandIn, expected: dict[str, str]) -> Counter:
    """Replies per request: thread posts for mentions, response_url posts for commands."""
    counts: Counter = Counter()
    for call in standin.matching(lambda c: True):
        if call.method == "chat.postMessage" and call.body.get("thread_ts") in expected:
            counts[call.body["thread_ts"]] += 1
        elif call.method == "respond":
            key = call.path.rsplit("/", 1)[-1]
            if key in expected:
                counts[key] += 1
    return counts


if __name__ == "__main__":
    raise SystemExit(main())
