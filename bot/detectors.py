"""The closed set of check kinds a rule can pick: lexicon, pattern, personal_data, link, semantic.

A detector looks at one prepared post and returns the span of the original post that set it
off, or None. Matching runs on the folded text (see bot.normalise); spans are mapped back.
Nothing here fetches a link or touches the network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import phonenumbers
from phonenumbers import Leniency
from phonenumbers import PhoneNumberFormat as PNF

from bot.models import Rule
from bot.normalise import NormalisedText, normalise
from bot.rules import PublishedContacts, RuleBook

Span = tuple[int, int]
E164 = PNF.E164

# What a letter may be written as: l33t digits and symbols, and * for a masked letter.
LEET = {"a": "a4@", "b": "b8", "e": "e3", "g": "g9", "i": "i1!|", "l": "l1|", "o": "o0",
        "s": "s5$", "t": "t7+", "z": "z2"}
# The endings a trailing * allows: inflections and the usual compounds, never any letters at
# all, so place names that begin with a swear word ("Bitchfield", "Twatt", "Shitterton") pass.
ENDINGS = ("s|es|e|ed|er|ers|ing|in|y|ey|ty|tty|ter|ters|ted|ting|tier|tiest|ier|iest|iness|"
           "ish|head|heads|face|faces|bag|bags|hole|holes|show|shows|load|loads|wit|wits|stain|"
           "stains|pot|pots|box|house|less|ery|ry|ty|bucket|sticks?|storm|tastic")
WORD_EDGE_BEFORE = r"(?<![a-z0-9@$*'])"
WORD_EDGE_AFTER = r"(?![a-z0-9@$*])"

URL = re.compile(
    r"(?<![@\w.])(?:https?://\S+|www\.[a-z0-9-]+(?:\.[a-z0-9-]+)+\S*|"
    r"[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|org|net|co\.uk|org\.uk|uk|ly|gl|io|me|info|"
    r"biz|co|tv|ie|eu|app|link|site|online|shop|page|to|is|gd|su|be|us)(?:/\S*)?)(?![\w@])",
    re.I,
)
EMAIL = re.compile(r"[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+", re.I)
NI_NUMBER = re.compile(r"(?<![a-z0-9])[a-z]{2} ?\d{2} ?\d{2} ?\d{2} ?[a-d](?![a-z0-9])", re.I)
STREET = (r"(?:Road|Rd|Street|St|Lane|Ln|Close|Avenue|Ave|Drive|Dr|Way|Crescent|Cres|Grove|"
          r"Court|Ct|Place|Gardens|Gdns|Terrace|Walk|View|Mews|Rise|Square|Park|Parade|Green)")
ADDRESS = re.compile(
    r"(?<![\w£$.,:/-])\d{1,4}[A-Za-z]?,? (?:[A-Z][a-z']+ ){1,3}" + STREET
    + r"\b(?:,? (?:[A-Z][a-z]+ ){0,2}[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b)?"
)
SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")


@dataclass
class PreparedPost:
    """A post ready for matching; links and sentences are worked out once and shared."""

    text: str
    norm: NormalisedText = field(init=False)
    vectors: np.ndarray | None = None  # one row per sentence, when a semantic rule needs them

    def __post_init__(self) -> None:
        self.norm = normalise(self.text)

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
    def sentences(self) -> list[str]:
        return [s.strip() for s in SENTENCE.findall(self.text) if len(s.strip()) > 2][:20] or [
            self.text[:500]
        ]


class Detector:
    def __init__(self, rule: Rule):
        self.rule = rule
        self.unless = [re.compile(p, re.I) for p in rule.params.get("unless", [])]

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
        entries = rule.params["entries"]
        self.allowed = {e[1:].rstrip("*") for e in entries if e.startswith("!")}
        words = sorted({e for e in entries if not e.startswith("!")}, key=len, reverse=True)
        body = "|".join(word_pattern(w) for w in words)
        self.whole_words = re.compile(f"{WORD_EDGE_BEFORE}(?:{body}){WORD_EDGE_AFTER}")
        self.anywhere = re.compile(f"(?:{body})")

    def search(self, post: PreparedPost) -> Span | None:
        text = post.norm.text
        for match in self.whole_words.finditer(text):
            if match.group(0) not in self.allowed:
                return match.span()
        for start, end in post.norm.joined:  # "s h i t e" joined up: words may run together
            match = self.anywhere.search(text, start, end)
            if match:
                return match.span()
        return None


def word_pattern(entry: str) -> str:
    """``bollock*`` -> a pattern that also finds b0ll0cks, b*llocks, boooollocks, bollocking."""
    wildcard = entry.endswith("*")
    word = entry.rstrip("*")
    parts = []
    for n, char in enumerate(word):
        if char == " ":
            parts.append(r"[\s_.-]+")
            continue
        options = LEET.get(char, char)
        if n > 0:
            options += "*"
        cls = "[" + re.escape(options) + "]"
        parts.append(f"{cls}(?:{cls}{cls}+)?")  # one, or three and more (shiiiit, not shiitake)
    return "".join(parts) + (f"(?:{ENDINGS})?" if wildcard else "")


class PatternDetector(Detector):
    def __init__(self, rule: Rule):
        super().__init__(rule)
        self.case_sensitive = rule.params.get("case_sensitive", False)
        flags = 0 if self.case_sensitive else re.I
        self.patterns = [re.compile(p, flags) for p in rule.params["patterns"]]
        self.also = [re.compile(p, flags) for p in rule.params.get("also", [])]

    def search(self, post: PreparedPost) -> Span | None:
        text = post.norm.cased if self.case_sensitive else post.norm.text
        if self.also and not any(p.search(text) for p in self.also):
            return None
        spans = [m.span() for p in self.patterns if (m := p.search(text))]
        return min(spans) if spans else None


class PersonalDataDetector(Detector):
    def __init__(self, rule: Rule, contacts: PublishedContacts):
        super().__init__(rule)
        self.detect = set(rule.params["detect"])
        self.contacts = contacts
        self.allowed_phones = {_e164(p) for p in contacts.phones} - {None}

    def search(self, post: PreparedPost) -> Span | None:
        spans = []
        text = post.norm.text
        if "phone" in self.detect:
            for match in phonenumbers.PhoneNumberMatcher(text, "GB", Leniency.POSSIBLE):
                number = phonenumbers.format_number(match.number, E164)
                long_enough = len(str(match.number.national_number)) >= 9  # not "2024"
                if long_enough and number not in self.allowed_phones:
                    spans.append((match.start, match.end))
                    break
        if "email" in self.detect:
            for match in EMAIL.finditer(text):
                if not self._published_email(match.group(0)):
                    spans.append(match.span())
                    break
        if "ni_number" in self.detect and (match := NI_NUMBER.search(text)):
            spans.append(match.span())
        if "address" in self.detect and (match := ADDRESS.search(post.norm.cased)):
            spans.append(match.span())
        return min(spans) if spans else None

    def _published_email(self, address: str) -> bool:
        address = address.lower()
        domain = address.rsplit("@", 1)[1]
        return address in self.contacts.emails or any(
            domain == d or domain.endswith("." + d) for d in self.contacts.domains
        )


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


class SemanticDetector(Detector):
    """Similarity of the post's sentences to exemplar sentences. Only posts that pass the cheap
    ``gate`` patterns are embedded, so the model runs for few posts."""

    def __init__(self, rule: Rule, exemplar_vectors: np.ndarray):
        super().__init__(rule)
        self.gate = [re.compile(p, re.I) for p in rule.params["gate"]]
        self.threshold = float(rule.params.get("threshold", 0.6))
        self.exemplars = exemplar_vectors

    def wants_vectors(self, post: PreparedPost) -> bool:
        return any(p.search(post.norm.text) for p in self.gate)

    def search(self, post: PreparedPost) -> Span | None:
        if post.vectors is None or not self.wants_vectors(post):
            return None
        best = (post.vectors @ self.exemplars.T).max(axis=1)
        n = int(np.argmax(best))
        if best[n] < self.threshold:
            return None
        sentence = post.sentences[n]
        start = post.text.find(sentence)
        # the folded span of the original sentence: map through the index
        index = post.norm.index
        folded = [i for i, o in enumerate(index) if start <= o < start + len(sentence)]
        return (folded[0], folded[-1] + 1) if folded else None


def _e164(raw: str) -> str | None:
    try:
        number = phonenumbers.parse(raw, "GB")
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(number, E164)
