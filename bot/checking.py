"""Draft post -> Report: the verdict, and findings that quote the clause each one breaks.

The rules come from knowledge/rules/*.yml (bot.rules); each picks a check kind
(bot.detectors). A rule's clause is an anchor phrase, resolved once against the loaded policy:
the clause holding that exact phrase, otherwise the most similar clause above a threshold (so
the rules carry over to another council's policy), otherwise none: the rule still runs and its
findings say that no clause backs them. Duties no rule can check are listed in each report as a
short checklist for the person posting.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from pathlib import Path

from bot.detectors import (
    Detector,
    LexiconDetector,
    LinkDetector,
    PatternDetector,
    PersonalDataDetector,
    PreparedPost,
)
from bot.embedding import Embedder, cached_encode
from bot.errors import InputError
from bot.knowledge import Knowledge
from bot.models import (
    ACCOUNTS,
    ChecklistItem,
    Clause,
    ClauseRef,
    Evidence,
    Finding,
    PolicyMeta,
    Report,
    Rule,
    worse,
)
from bot.rules import RuleBook
from bot.semantic import SemanticDetector, SentenceVectors, build_semantic, embed_units
from bot.static_embedding import static_embedder

log = logging.getLogger(__name__)

MAX_POST_CHARS = 10_000  # a long Facebook post is about 2,000; anything bigger is not a post
SimilarClause = Callable[[str], Clause | None]


class Checker:
    def __init__(
        self,
        knowledge: Knowledge,
        book: RuleBook,
        similar_clause: SimilarClause | None = None,
        embedder: Embedder | None = None,
        cache_dir: Path | None = None,
    ):
        self.knowledge = knowledge
        self.book = book
        self.embedder = embedder
        # The transformer is too slow to run on every sentence of every post, so static vectors
        # distilled from it screen the sentences first (None: the embedder is already cheap).
        screen = static_embedder(embedder, cache_dir) if embedder is not None else None
        self.screen = screen if screen is not embedder else None
        self._screen_bank = None
        self.policy: PolicyMeta | None = knowledge.policies[0].meta if knowledge.policies else None
        self.unresolved: list[str] = []  # "file: rule id: anchor", for `policybot validate`
        self.similar: list[str] = []  # anchors backed only by a similar clause
        self.clauses: dict[str, ClauseRef | None] = {}
        self.also_clauses: dict[str, list[ClauseRef]] = {}
        for rule in book.rules:
            owner = f"{rule.file}: rule {rule.id}"
            self.clauses[rule.id] = self._resolve(rule.clause, similar_clause, owner)
            also = [self._resolve(a, similar_clause, owner) for a in rule.also_clauses]
            self.also_clauses[rule.id] = [c for c in also if c is not None]
        self.checklist: list[tuple[ChecklistItem, tuple[str, ...]]] = []
        for item in book.judgement:
            clause = self._resolve(item.clause, similar_clause, "human_judgement")
            if clause is not None:
                self.checklist.append((ChecklistItem(item.note, clause), item.accounts))
        self._clean_bank = None
        self._wording_rules = {r.id for r in book.rules if r.kind in ("lexicon", "pattern")}
        self.vectors = SentenceVectors(embedder) if embedder is not None else None
        self.screened = [0, 0]  # sentences looked at, and how many of them the transformer saw
        # Without a model (``policybot validate`` without loading it) semantic rules cannot run.
        runnable = [r for r in book.rules if r.kind != "semantic" or embedder is not None]
        self.not_run = [r.id for r in book.rules if r not in runnable]
        detectors = [self._detector(r, cache_dir) for r in runnable]
        # word and pattern rules first, so a semantic finding never repeats their clause
        self.detectors: list[Detector | SemanticDetector] = sorted(
            detectors, key=lambda d: isinstance(d, SemanticDetector)
        )

    # set-up --------------------------------------------------------------------------------
    def _resolve(self, anchor: str, similar: SimilarClause | None, owner: str) -> ClauseRef | None:
        clause = self.knowledge.find_clause(anchor)
        if clause is None and similar is not None:
            clause = similar(anchor)
            if clause is not None:
                self.similar.append(f"{owner}: {anchor!r} -> section {clause.section}")
        if clause is None:
            self.unresolved.append(f"{owner}: {anchor!r}")
            return None
        return ClauseRef.from_clause(clause)

    def _detector(self, rule: Rule, cache_dir: Path | None) -> Detector | SemanticDetector:
        if rule.kind == "lexicon":
            return LexiconDetector(rule)
        if rule.kind == "pattern":
            return PatternDetector(rule)
        if rule.kind == "personal_data":
            return PersonalDataDetector(rule, self.book.contacts)
        if rule.kind == "link":
            return LinkDetector(rule, self.book)
        if rule.kind == "semantic":
            assert self.embedder is not None
            if self._clean_bank is None:
                self._clean_bank = cached_encode(self.embedder, self.book.clean_exemplars,
                                                 cache_dir)
            if self.screen is not None and self._screen_bank is None:
                self._screen_bank = cached_encode(self.screen, self.book.clean_exemplars,
                                                  cache_dir)
            return build_semantic(rule, self.embedder, self._clean_bank, cache_dir,
                                  self.screen, self._screen_bank)
        raise ValueError(f"unknown kind {rule.kind!r}")  # rules.py rejects these at load

    # checking ------------------------------------------------------------------------------
    def check(self, draft: str, account: str = "council") -> Report:
        result = self.check_many([draft], account)[0]
        if isinstance(result, InputError):
            raise result
        return result

    def check_many(self, drafts: list[str], account: str = "council") -> list[Report | InputError]:
        """Check several drafts; the model (if any rule needs it) runs once for the lot."""
        if account not in ACCOUNTS:
            raise InputError(f"The account must be {' or '.join(ACCOUNTS)}, not {account!r}.")
        results: list[Report | InputError | None] = [None] * len(drafts)
        prepared: list[tuple[int, PreparedPost]] = []
        for n, draft in enumerate(drafts):
            try:
                prepared.append((n, PreparedPost(clean_post(draft))))
            except InputError as exc:
                results[n] = exc
        self._embed_where_needed([post for _, post in prepared], account)
        for n, post in prepared:
            results[n] = self._report(post, account)
        return results  # type: ignore[return-value]

    def _embed_where_needed(self, posts: list[PreparedPost], account: str) -> None:
        semantic = [d for d in self.detectors
                    if isinstance(d, SemanticDetector) and account in d.rule.accounts]
        if semantic and self.vectors is not None:
            seen, passed = embed_units(posts, semantic, self.vectors, self.screen)
            self.screened[0] += seen
            self.screened[1] += passed

    def _report(self, post: PreparedPost, account: str) -> Report:
        findings: list[Finding] = []
        for detector in self.detectors:
            rule = detector.rule
            if account not in rule.accounts:
                continue
            span = detector.find(post)
            if span is None:
                continue
            clause = self.clauses[rule.id]
            start, end = span
            if isinstance(detector, SemanticDetector) and any(
                # this clause is already quoted, as severely (a review must not hide a block)
                (f.clause == clause and worse(f.severity, rule.severity) == f.severity)
                # or a word or pattern rule already explains this sentence
                or (f.rule in self._wording_rules and f.evidence.start < end
                    and start < f.evidence.end)
                for f in findings
            ):
                continue
            for backing in [clause, *self.also_clauses[rule.id]]:
                if backing is not clause and any(f.clause == backing for f in findings):
                    continue  # that clause is already quoted
                findings.append(
                    Finding(
                        rule=rule.id,
                        title=rule.title,
                        severity=rule.severity,
                        message=rule.message,
                        advice=rule.advice,
                        escalate=rule.escalate,
                        evidence=Evidence(post.text[start:end], start, end),
                        clause=backing,
                    )
                )
        findings.sort(key=lambda f: (f.severity != "block", f.evidence.start))
        verdict = "ok"
        for finding in findings:
            verdict = worse(finding.severity, verdict)
        report = Report(
            post=post.text,
            account=account,
            verdict=verdict,
            findings=findings,
            checklist=[item for item, accounts in self.checklist if account in accounts],
            policy=self.policy,
        )
        report.notices.extend(_notices(post, findings))
        return report


def example_misses(checker: Checker, rule: Rule) -> list[str]:
    """The rule's own examples it gets wrong: a trigger example it does not flag, or a pass
    example it flags. A semantic rule counts as flagging when its clause is quoted: it stands
    back when a word or pattern rule already quotes the same clause."""
    if rule.id in checker.not_run:
        return []
    account = rule.accounts[0]
    misses = []
    for example in rule.trigger_examples:
        findings = checker.check(example, account).findings
        if rule.kind == "semantic":
            flagged = checker.clauses[rule.id] in [f.clause for f in findings]
        else:
            flagged = rule.id in {f.rule for f in findings}
        if not flagged:
            misses.append(f"does not flag its example {example!r}")
    for example in rule.pass_examples:
        if rule.id in {f.rule for f in checker.check(example, account).findings}:
            misses.append(f"flags its clean example {example!r}")
    return misses


def clean_post(raw: object) -> str:
    """The draft as given (offsets index it), or an InputError saying plainly what is wrong."""
    if not isinstance(raw, str):
        raise InputError("The draft must be text.")
    if not raw.strip():
        raise InputError("The draft is empty: paste the text of the post you want to check.")
    if len(raw) > MAX_POST_CHARS:
        raise InputError(
            f"The draft is {len(raw):,} characters long; I check posts of up to "
            f"{MAX_POST_CHARS:,} characters. Check it in shorter parts."
        )
    junk = sum(
        1 for c in raw
        if c == "\ufffd" or (unicodedata.category(c) in ("Cc", "Co", "Cs") and c not in "\n\r\t")
    )
    if junk > max(2, len(raw) // 20):
        raise InputError(
            "The draft does not look like text (it has unreadable characters). "
            "Paste the words of the post itself."
        )
    return raw


def _notices(post: PreparedPost, findings: list[Finding]) -> list[str]:
    notices = []
    text = post.norm.text
    if not any(c.isalnum() for c in text):
        notices.append("There are no words in this draft to check (only symbols or emoji).")
    elif post.links and sum(e - s for _, (s, e) in post.links) >= len(text.strip()) - 2:
        notices.append("This draft is only a link: say what it is, and check the site first.")
    if any(f.clause is None for f in findings):
        notices.append("Some findings come from rules that no clause of the policy backs.")
    return notices


def similar_clause_finder(retriever, threshold: float = 0.55) -> SimilarClause:
    """Most similar clause to an anchor, if it is similar enough (for another council's policy)."""

    def find(anchor: str) -> Clause | None:
        found = retriever.search(anchor, k=1)
        hits = getattr(found, "hits", found)  # a Ranking, or a plain list of hits
        if hits and hits[0].score >= threshold:
            return hits[0].clause
        return None

    return find


def build_checker(knowledge: Knowledge, embedder: Embedder, retriever, cache_dir: Path | None):
    """The checker for a knowledge folder: its rules (or the bundled ones) against its policy."""
    from bot.rules import load_rulebook

    book = load_rulebook(knowledge.directory)
    return Checker(knowledge, book, similar_clause_finder(retriever), embedder, cache_dir)
