"""The closed set of check kinds a rule can pick: lexicon, pattern, personal_data, link, semantic.

A detector looks at one prepared post and returns the span of the original post that set it
off, or None. Matching runs on the folded text (see bot.normalise); spans are mapped back.
Nothing here fetches a link or touches the network.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import cached_property
from re import _constants as sre_constants
from re import _parser as sre_parse

import numpy as np

from bot.lexicon import LexiconMatcher, tokenise
from bot.models import Rule
from bot.normalise import NormalisedText, for_folded, normalise
from bot.personal_data import PersonalData
from bot.rules import PublishedContacts, RuleBook
from bot.semantic import split_units

Span = tuple[int, int]

URL = re.compile(
    r"(?<![@\w.])(?:https?://\S+|www\.[a-z0-9-]+(?:\.[a-z0-9-]+)+\S*|"
    r"[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|org|net|co\.uk|org\.uk|uk|ly|gl|io|me|info|"
    r"biz|co|tv|ie|eu|app|link|site|online|shop|page|to|is|gd|su|be|us|gy|cc|xyz|"
    r"ai|news|club|live|store)(?:/\S*)?)(?![\w@])",
    re.I,
)


@dataclass
class PreparedPost:
    """A post ready for matching; links and sentences are worked out once and shared."""

    text: str
    norm: NormalisedText = field(init=False)
    unit_vectors: dict[int, np.ndarray] = field(default_factory=dict)  # filled in when needed
    unit_rule: dict[int, str] = field(default_factory=dict)  # the semantic rule each one leads
    wanted: dict[str, list[int]] = field(default_factory=dict)  # rule id -> units it looks at

    def __post_init__(self) -> None:
        self.norm = normalise(self.text)

    @cached_property
    def tokens(self) -> list[tuple[int, int, str]]:
        return tokenise(self.norm.text)

    @cached_property
    def links(self) -> list[tuple[str, Span]]:
        """(domain, span in the folded text) for each link or bare web address."""
        found = []
        for match in URL.finditer(self.norm.text):
            raw = match.group(0).rstrip(".,;:!?)'\"")
            host = re.sub(r"^https?://", "", raw).split("/", 1)[0].removeprefix("www.")
            found.append((host, (match.start(), match.start() + len(raw))))
        return found

    @cached_property
    def units(self) -> list[Span]:
        """The sentences of the post, as spans of the original text (bot.semantic)."""
        return split_units(self.text)

    @cached_property
    def unit_texts(self) -> list[str]:
        """Each sentence folded (plain letters, case kept): what the model and gates see."""
        index = self.norm.index  # non-decreasing: folded position -> original offset
        return [self.norm.cased[bisect_left(index, s) : bisect_left(index, e)] or self.text[s:e]
                for s, e in self.units]


class Detector:
    def __init__(self, rule: Rule):
        self.rule = rule
        self.unless = [for_folded(p) for p in rule.params.get("unless", [])]

    def find(self, post: PreparedPost) -> Span | None:
        span = self.search(post)  # first: most posts match no rule, so "unless" rarely runs
        if span is None or any(p.search(post.norm.text) for p in self.unless):
            return None
        return post.norm.span(*span)

    def search(self, post: PreparedPost) -> Span | None:  # in the folded text
        raise NotImplementedError


class LexiconDetector(Detector):
    def __init__(self, rule: Rule):
        super().__init__(rule)
        self.matcher = LexiconMatcher(rule.params["entries"])

    def search(self, post: PreparedPost) -> Span | None:
        return self.matcher.search(post.norm.text, post.norm.joined, post.tokens)


class PatternDetector(Detector):
    def __init__(self, rule: Rule):
        super().__init__(rule)
        self.case_sensitive = rule.params.get("case_sensitive", False)
        build = re.compile if self.case_sensitive else for_folded
        # Each pattern with the plain strings one of which its matches contain: testing for
        # those (a substring test) rules most patterns out many times faster than running them.
        self.patterns = [(build(p), _clues(p, lower=not self.case_sensitive))
                         for p in rule.params["patterns"]]
        self.also = [build(p) for p in rule.params.get("also", [])]

    def search(self, post: PreparedPost) -> Span | None:
        """The earliest match of any of the patterns (the first pattern on a tie)."""
        text = post.norm.cased if self.case_sensitive else post.norm.text
        best = None
        for pattern, clues in self.patterns:
            if clues is not None and not any(clue in text for clue in clues):
                continue
            match = pattern.search(text)
            if match and (best is None or match.start() < best.start()):
                best = match
        if best is None or (self.also and not any(p.search(text) for p in self.also)):
            return None
        return best.span()


class PersonalDataDetector(Detector):
    def __init__(self, rule: Rule, contacts: PublishedContacts):
        super().__init__(rule)
        self.detect = set(rule.params["detect"])
        self.finder = PersonalData(contacts)

    def search(self, post: PreparedPost) -> Span | None:
        text = post.norm.text
        spans = [
            self.finder.phone(text) if "phone" in self.detect else None,
            self.finder.email(text) if "email" in self.detect else None,
            self.finder.ni_number(text) if "ni_number" in self.detect else None,
            self.finder.address(post.norm.cased) if "address" in self.detect else None,
        ]
        found = [s for s in spans if s]
        return min(found) if found else None


class LinkDetector(Detector):
    def __init__(self, rule: Rule, book: RuleBook):
        super().__init__(rule)
        self.shorteners_only = rule.params.get("shorteners_only", False)
        self.shorteners = set(book.shorteners)
        self.own = book.contacts.domains + book.trusted_sites

    def search(self, post: PreparedPost) -> Span | None:
        for host, span in post.links:
            if self.shorteners_only:
                if host in self.shorteners:
                    return span
            elif host not in self.shorteners and not any(
                host == d or host.endswith("." + d) for d in self.own
            ):
                return span
        return None


def _clues(pattern: str, lower: bool) -> frozenset[str] | None:
    """Plain strings at least one of which every match of ``pattern`` contains ("moan" or
    "whinge" for ``\\b(moan|whinge)(ing|s)?\\b``), or None when it has none worth testing for."""
    options = _required_text(list(sre_parse.parse(pattern)), depth=0)
    if not options:
        return None
    return frozenset(o.lower() for o in options) if lower else frozenset(options)


def _required_text(items: list, depth: int) -> set[str] | None:
    """The most telling set of strings one of which is in any match of ``items``: from runs of
    plain characters, or from a group every match passes through, all of whose branches give
    one. Judged by its shortest string (a longer string rules out more posts)."""
    candidates: list[set[str]] = []
    run = ""
    for op, av in [*items, (None, None)]:
        if op is sre_constants.LITERAL:
            run += chr(av)
            continue
        if len(run) >= 3:
            candidates.append({run})
        run = ""
        if depth > 2 or op is None:
            continue
        found = None
        if op is sre_constants.SUBPATTERN:
            found = _required_text(list(av[-1]), depth + 1)
        elif op is sre_constants.BRANCH:
            options = [_required_text(list(branch), depth + 1) for branch in av[1]]
            found = set().union(*options) if all(options) else None
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT) and av[0] >= 1:
            found = _required_text(list(av[2]), depth + 1)
        if found:
            candidates.append(found)
    return max(candidates, key=lambda c: min(map(len, c)), default=None)
