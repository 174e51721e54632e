"""The semantic check kind: is a sentence of the post close in meaning to what a rule forbids?

Wording varies too much for word lists to catch, say, a hostile generalisation or a hint at
unannounced council news. So each semantic rule gives example sentences of the breach
(``exemplars``) and of clean posts that come close (``counter_exemplars``); every rulebook also
has a shared bank of ordinary council posts (``clean_exemplars``). A sentence breaks the rule
when it is close enough to an exemplar (``threshold``, the floor) *and* closer to the breach
than to any clean example by a ``margin``. Deciding by the difference keeps everyday posts
about bins, events and road closures clear even when they share the topic.

Each post is split into sentences (``units``); a rule may name a ``gate`` of patterns so that
only sentences on its topic are compared. All the sentences a batch of posts needs are embedded
in one model call; exemplars are embedded once and cached on disk (bot.embedding.cached_encode).
With a screen (bot.static_embedding), static vectors score every sentence first and only those
within SCREEN_LEAD (or the rule's own ``screen``) of passing some rule reach the model: the
model is too slow for them all.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from pathlib import Path

import numpy as np

from bot.embedding import Embedder, cached_encode
from bot.models import Rule
from bot.normalise import for_folded

Span = tuple[int, int]
DEFAULT_FLOOR = 0.35
DEFAULT_MARGIN = 0.08
SCREEN_LEAD = 0.03  # static lead below which a sentence is clear without the transformer
TRIGGER_SLACK = 0.01  # below the lowest screen lead of a rule's own trigger examples
NEAREST = 2  # closeness to the breach: the mean of the two nearest exemplars, less noisy than one
MAX_UNITS = 12  # sentences looked at per post: enough for any real post, and bounded cost
MAX_UNIT_CHARS = 300
MIN_WORDS = 3  # "Knackered now!" is too short for the model to judge fairly

# A unit ends at . ! ? followed by a space, at a line break, at " - " or ";", or at an emoji.
EMOJI = "\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff"
BOUNDARY = re.compile(
    rf"(?<=[.!?])[\"')\]]*\s+|\n+|\s[-–—]+\s|;\s*|\s*[{EMOJI}][{EMOJI}\ufe0f\u200d\s]*"
)
WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")


def split_units(text: str) -> list[Span]:
    """Spans of the sentences of ``text``: each has at least MIN_WORDS words; at most MAX_UNITS."""
    spans: list[Span] = []
    position = 0
    for match in [*BOUNDARY.finditer(text), None]:
        end = match.start() if match else len(text)
        start = position
        while start < end and text[start] in " \t\"'(#@-–—•·*":
            start += 1
        piece_end = end
        while piece_end > start and text[piece_end - 1] in " \t":
            piece_end -= 1
        if len(WORD.findall(text[start:piece_end])) >= MIN_WORDS:
            spans.append((start, min(piece_end, start + MAX_UNIT_CHARS)))
        position = match.end() if match else len(text)
    if not spans and text.strip():
        first = len(text) - len(text.lstrip())
        spans.append((first, min(len(text.rstrip()), first + MAX_UNIT_CHARS)))
    return spans[:MAX_UNITS]


class SentenceVectors:
    """Embeds sentences in one batch per call, remembering recent ones (the same sentence often
    recurs: sign-offs, "Full details on our website")."""

    def __init__(self, embedder: Embedder, size: int = 20_000):
        self.embedder = embedder
        self.size = size
        self._memory: OrderedDict[str, np.ndarray] = OrderedDict()

    def encode(self, texts: list[str]) -> list[np.ndarray]:
        missing = list(dict.fromkeys(t for t in texts if t not in self._memory))
        if missing:
            for text, vector in zip(missing, self.embedder.encode(missing), strict=True):
                self._memory[text] = vector
            while len(self._memory) > self.size:
                self._memory.popitem(last=False)
        return [self._memory[t] for t in texts]


class SemanticDetector:
    """Similarity of the post's sentences to a rule's exemplars, against the clean examples."""

    def __init__(self, rule: Rule, exemplars: np.ndarray, counters: np.ndarray,
                 screen: tuple[np.ndarray, np.ndarray] | None = None):
        self.rule = rule
        self.unless = [for_folded(p) for p in rule.params.get("unless", [])]  # on folded text
        self.gate = [re.compile(p, re.I) for p in rule.params.get("gate", [])]
        self.floor = float(rule.params.get("threshold", DEFAULT_FLOOR))
        self.margin = float(rule.params.get("margin", DEFAULT_MARGIN))
        self.screen_lead = float(rule.params.get("screen", SCREEN_LEAD))
        self.exemplars = exemplars
        self.counters = counters
        self.screen = screen  # the same examples as static vectors, for the first pass

    def wanted_units(self, post) -> list[int]:
        """Which of the post's units this rule needs vectors for (worked out once a post)."""
        wanted = post.wanted.get(self.rule.id)
        if wanted is None:
            wanted = post.wanted[self.rule.id] = self._wanted_units(post)
        return wanted

    def _wanted_units(self, post) -> list[int]:
        if any(p.search(post.norm.text) for p in self.unless):
            return []
        if not self.gate:
            return list(range(len(post.units)))
        texts = post.unit_texts
        return [n for n, text in enumerate(texts) if any(p.search(text) for p in self.gate)]

    def scores(self, vectors: np.ndarray, static: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(closeness to the breach, lead over the nearest clean example) for each row."""
        exemplars, counters = self.screen if static and self.screen else (self.exemplars,
                                                                          self.counters)
        similar = np.sort(vectors @ exemplars.T, axis=1)[:, ::-1]
        breach = similar[:, :NEAREST].mean(axis=1)
        clean = (vectors @ counters.T).max(axis=1) if len(counters) else 0 * breach
        return breach, breach - clean

    def find(self, post) -> Span | None:
        """Span, in the original post, of the sentence that breaks the rule, or None. A sentence
        counts only for one rule: of those it passes, the one it leads most (``embed_units``)."""
        wanted = [n for n in self.wanted_units(post)
                  if post.unit_vectors.get(n) is not None and post.unit_rule.get(n) == self.rule.id]
        if not wanted:
            return None
        breach, lead = self.scores(np.stack([post.unit_vectors[n] for n in wanted]))
        best = None
        for row, n in enumerate(wanted):
            passes = breach[row] >= self.floor and lead[row] >= self.margin
            if passes and (best is None or lead[row] > lead[best[0]]):
                best = (row, n)
        return post.units[best[1]] if best else None


def build_semantic(rule: Rule, embedder: Embedder, clean_bank: np.ndarray,
                   cache_dir: Path | None, screen: Embedder | None = None,
                   screen_bank: np.ndarray | None = None) -> SemanticDetector:
    """The detector for a rule; ``clean_bank`` holds the vectors of the shared clean examples
    (``screen_bank`` the same as static vectors, when a ``screen`` embedder is given)."""
    exemplars, counters = _example_vectors(rule, embedder, clean_bank, cache_dir)
    # The quick first pass knows the rule's trigger examples too: sentences near any breach the
    # rule's author wrote down reach the model, which alone decides (on the exemplars).
    static = (_example_vectors(rule, screen, screen_bank, cache_dir, rule.trigger_examples)
              if screen is not None and screen_bank is not None else None)
    detector = SemanticDetector(rule, exemplars, counters, static)
    if static is not None and rule.trigger_examples:
        detector.screen_lead = min(detector.screen_lead, _lowest_trigger_lead(detector, screen))
    return detector


def _lowest_trigger_lead(detector: SemanticDetector, screen: Embedder) -> float:
    """The screen lead that lets every one of the rule's own trigger examples reach the model
    (less a little slack): what its author says must trigger is never screened out."""
    leads = []
    for example in detector.rule.trigger_examples:
        units = [example[a:b] for a, b in split_units(example)] or [example]
        _, lead = detector.scores(screen.encode(units), static=True)
        leads.append(float(lead.max()))
    return min(leads) - TRIGGER_SLACK


def _example_vectors(rule: Rule, embedder: Embedder, clean_bank: np.ndarray,
                     cache_dir: Path | None,
                     more: tuple[str, ...] = ()) -> tuple[np.ndarray, np.ndarray]:
    sentences = [text[a:b] for text in more for a, b in split_units(text)]
    exemplars = cached_encode(embedder, list(rule.params["exemplars"]) + sentences, cache_dir)
    counters = [clean_bank] if len(clean_bank) else []
    if rule.params.get("counter_exemplars"):
        counters.append(cached_encode(embedder, list(rule.params["counter_exemplars"]), cache_dir))
    stacked = (np.concatenate(counters) if counters
               else np.zeros((0, exemplars.shape[1]), dtype=np.float32))
    return exemplars, stacked


def embed_units(posts: list, detectors: list[SemanticDetector], vectors: SentenceVectors,
                screen: Embedder | None = None) -> tuple[int, int]:
    """Give each post the vectors of the units some detector wants: one model call in all.
    With a ``screen``, only units whose static vector leads some rule's clean examples by at
    least its ``screen`` lead reach the model. Returns (units wanted, units sent to the model)."""
    needed: list[tuple[object, int]] = []
    for post in posts:
        wanted = sorted({n for d in detectors for n in d.wanted_units(post)})
        needed.extend((post, n) for n in wanted)
    wanted_count = len(needed)
    if needed and screen is not None:
        needed = _screen(needed, detectors, screen)
    if not needed:
        return wanted_count, 0
    found = vectors.encode([post.unit_texts[n] for post, n in needed])
    for (post, n), vector in zip(needed, found, strict=True):
        post.unit_vectors[n] = vector
    for post in posts:  # one rule a sentence: the clearest it passes, not one it merely leads
        best: dict[int, tuple[tuple[bool, float], str]] = {}  # unit -> ((passes, lead), rule)
        for detector in detectors:
            wanted = [n for n in detector.wanted_units(post) if n in post.unit_vectors]
            if not wanted:
                continue
            breach, lead = detector.scores(np.stack([post.unit_vectors[n] for n in wanted]))
            passes = (breach >= detector.floor) & (lead >= detector.margin)
            for n, value, passed in zip(wanted, lead, passes, strict=True):
                key = (bool(passed), float(value))
                if n not in best or key > best[n][0]:
                    best[n] = (key, detector.rule.id)
        post.unit_rule = {n: rule_id for n, (_, rule_id) in best.items()}
    return wanted_count, len(needed)


def _screen(needed: list, detectors: list[SemanticDetector], screen: Embedder) -> list:
    """The (post, unit) pairs that some rule's static scores cannot rule out."""
    static = screen.encode([post.unit_texts[n] for post, n in needed])
    keep = np.zeros(len(needed), dtype=bool)
    posts = {id(post): post for post, _ in needed}.values()
    wanted = {(id(post), id(d)): set(d.wanted_units(post)) for post in posts for d in detectors}
    for detector in detectors:
        mine = [row for row, (post, n) in enumerate(needed) if n in wanted[id(post), id(detector)]]
        if mine:
            _, lead = detector.scores(static[mine], static=True)
            keep[np.array(mine)[lead >= detector.screen_lead]] = True
    return [pair for pair, kept in zip(needed, keep, strict=True) if kept]
