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
    r"biz|co|tv|ie|eu|app|link|site|online|shop|page|to|is|gd|su|be|us)(?:/\S*)?)(?![\w@])",
    re.I,
)


@dataclass
class PreparedPost:
    """A post ready for matching; links and sentences are worked out once and shared."""

    text: str
    norm: NormalisedText = field(init=False)
    unit_vectors: dict[int, np.ndarray] = field(default_factory=dict)  # filled in when needed
    unit_rule: dict[int, str] = field(default_factory=dict)  # the semantic rule each one leads

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
        if any(p.search(post.norm.text) for p in self.unless):
            return None
        span = self.search(post)
        return post.norm.span(*span) if span else None

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
        # One alternation, one pass over the post: the earliest match of any of the patterns.
        self.pattern = build("|".join(f"(?:{p})" for p in rule.params["patterns"]))
        self.also = [build(p) for p in rule.params.get("also", [])]

    def search(self, post: PreparedPost) -> Span | None:
        text = post.norm.cased if self.case_sensitive else post.norm.text
        if self.also and not any(p.search(text) for p in self.also):
            return None
        match = self.pattern.search(text)
        return match.span() if match else None


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
