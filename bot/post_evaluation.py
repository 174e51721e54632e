"""Figures over a labelled set of draft posts, for `policybot eval-posts`.

A violating post is caught when its verdict is review or block and a finding quotes the
expected clause (the labelled phrase is inside the finding's clause, case and spacing aside).
Posts labelled ``block`` must be blocked; clean posts (``ok``) should get ``ok``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.datafiles import load_yaml, require_keys
from bot.errors import KnowledgeError
from bot.knowledge import normalise_phrase
from bot.models import ACCOUNTS, Report

EXPECTS = ("ok", "review", "block")


@dataclass(frozen=True)
class LabelledPost:
    text: str
    account: str
    expect: str
    clause: str = ""


@dataclass
class PostFigures:
    violating: int = 0
    caught: int = 0  # review or block, with a finding quoting the right clause
    flagged_violating: int = 0  # review or block, whatever the clause
    must_block: int = 0
    blocked: int = 0
    clean: int = 0
    clean_flagged: int = 0
    misses: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        def rate(n: int, d: int) -> float:
            return round(n / d, 4) if d else 0.0

        return {
            "violating": self.violating,
            "caught_right_clause": rate(self.caught, self.violating),
            "flagged_violating": rate(self.flagged_violating, self.violating),
            "must_block": self.must_block,
            "blocked": rate(self.blocked, self.must_block),
            "clean": self.clean,
            "clean_flagged": rate(self.clean_flagged, self.clean),
        }


def load_post_set(path: Path) -> list[LabelledPost]:
    data = require_keys(path, "the file", load_yaml(path) or {}, {"posts"}, set())
    posts = []
    for n, entry in enumerate(data["posts"] or [], start=1):
        where = f"posts entry {n}"
        require_keys(path, where, entry, {"text", "account", "expect"}, {"clause", "note"})
        if entry["account"] not in ACCOUNTS or entry["expect"] not in EXPECTS:
            raise KnowledgeError(
                f"{path}: {where}: account must be council or personal and "
                "expect ok, review or block."
            )
        if entry["expect"] != "ok" and not entry.get("clause"):
            raise KnowledgeError(f"{path}: {where}: a violating post needs its clause.")
        posts.append(
            LabelledPost(
                str(entry["text"]),
                entry["account"],
                entry["expect"],
                str(entry.get("clause") or ""),
            )
        )
    return posts


def quotes_clause(report: Report, phrase: str) -> bool:
    wanted = normalise_phrase(phrase)
    return any(f.clause and wanted in normalise_phrase(f.clause.text) for f in report.findings)


def score_posts(posts: list[LabelledPost], reports: list[Report | Exception]) -> PostFigures:
    figures = PostFigures()
    for post, report in zip(posts, reports, strict=True):
        verdict = report.verdict if isinstance(report, Report) else "error"
        rules = [f.rule for f in report.findings] if isinstance(report, Report) else [str(report)]
        miss = {
            "text": post.text[:100],
            "account": post.account,
            "expect": post.expect,
            "got": verdict,
            "rules": rules,
        }
        if post.expect == "ok":
            figures.clean += 1
            if verdict != "ok":
                figures.clean_flagged += 1
                figures.misses.append(miss | {"why": "clean post flagged"})
            continue
        figures.violating += 1
        flagged = verdict in ("review", "block")
        figures.flagged_violating += flagged
        if flagged and quotes_clause(report, post.clause):
            figures.caught += 1
        else:
            why = "not flagged" if not flagged else "no finding quotes the expected clause"
            figures.misses.append(miss | {"why": why, "clause": post.clause[:60]})
        if post.expect == "block":
            figures.must_block += 1
            if verdict == "block":
                figures.blocked += 1
            else:
                figures.misses.append(miss | {"why": "should be blocked"})
    return figures


def check_labelled(service, posts: list[LabelledPost]) -> list[Report | Exception]:
    """Check a labelled set, batched per account (as `checkpost -` does)."""
    results: list[Report | Exception | None] = [None] * len(posts)
    for account in ACCOUNTS:
        positions = [n for n, p in enumerate(posts) if p.account == account]
        reports = service.check_many([posts[n].text for n in positions], account)
        for n, report in zip(positions, reports, strict=True):
            results[n] = report
    return results  # type: ignore[return-value]
