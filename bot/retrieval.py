"""Find the clauses that answer a question: dense embeddings fused with fuzzy lexical matching.

Each clause is indexed under several "views": its own text (with its section heading and
obligation for context) and the everyday phrasings curated for it in ``knowledge/``. The dense
score of a clause is its best view's cosine similarity; the lexical score is a BM25 weight over
the same words, with misspelt question words mapped to the nearest indexed word by rapidfuzz.
Both share one hit shape so they can be fused and explained.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from anyascii import anyascii
from rapidfuzz import fuzz, process

from bot.embedding import Embedder, cached_encode
from bot.knowledge import Knowledge
from bot.models import Clause, Hit, Ranking

WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STOPWORDS = frozenset(
    """a about above after again all am an and any are as at be been being but by can could
    did do does doing for from had has have having he her here hers him his how i i'm if in into
    is it it's its just me might my no nor not of on or our ours out over own please same she
    should so some such than that the their them then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would you
    your yours ok okay hi hello hey thanks thank get got going want wanted need needs know let
    im ive id dont cant wont isnt policy say says said allowed allow ok really just also still""".split()
)


@dataclass(frozen=True)
class RetrievalParams:
    dense_weight: float = 0.7
    lexical_weight: float = 0.3
    k1: float = 1.2
    b: float = 0.75
    fuzzy_cutoff: float = 84.0


def normalise_text(text: str, shorthand: dict[str, str] | None = None) -> str:
    """Lower-case ASCII with text-speak expanded ("r u allowed 2" -> "are you allowed to")."""
    text = anyascii(text).lower().replace("’", "'")
    if not shorthand:
        return " ".join(text.split())
    out = []
    for token in re.findall(r"[a-z0-9']+|[^a-z0-9'\s]+", text):
        out.append(shorthand.get(token, token))
    return " ".join(out)


def stem(word: str) -> str:
    """A light suffix stripper: enough to meet "petitions"/"petition", "posting"/"post"."""
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""), ("ly", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)] + keep
    return word


def content_words(text: str) -> list[str]:
    return [stem(w) for w in WORD.findall(text) if w not in STOPWORDS and len(w) > 1]


class Retriever:
    def __init__(
        self,
        knowledge: Knowledge,
        embedder: Embedder,
        cache_dir: Path | None = None,
        params: RetrievalParams | None = None,
    ):
        self.knowledge = knowledge
        self.embedder = embedder
        self.params = params or RetrievalParams()
        self.clauses: list[Clause] = knowledge.clauses
        views, owners = [], []
        for n, clause in enumerate(self.clauses):
            for view in [clause_view(clause), *knowledge.phrasings.get(clause.id, [])]:
                views.append(view)
                owners.append(n)
        self.views = views
        self.view_owner = np.asarray(owners)
        self.view_vectors = cached_encode(embedder, views, cache_dir)
        self.off_topic = list(knowledge.out_of_scope)
        self.off_topic_vectors = (
            cached_encode(embedder, self.off_topic, cache_dir) if self.off_topic else None
        )
        self._build_lexical()

    # dense -------------------------------------------------------------------------------
    def dense_scores(self, query_vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per clause: best cosine over its views, and which view gave it."""
        sims = self.view_vectors @ query_vector
        best = np.full(len(self.clauses), -1.0, dtype=np.float32)
        best_view = np.zeros(len(self.clauses), dtype=np.int64)
        order = np.argsort(sims)  # ascending, so the best view per clause is written last
        best[self.view_owner[order]] = sims[order]
        best_view[self.view_owner[order]] = order
        return best, best_view

    # lexical -----------------------------------------------------------------------------
    def _build_lexical(self) -> None:
        docs: list[Counter] = [Counter() for _ in self.clauses]
        for view, owner in zip(self.views, self.view_owner, strict=True):
            docs[owner].update(content_words(normalise_text(view)))
        self._docs = docs
        self._lengths = np.asarray([sum(d.values()) for d in docs], dtype=np.float32)
        self._avg_length = float(self._lengths.mean()) if len(docs) else 1.0
        frequency = Counter(word for doc in docs for word in doc)
        n = len(docs)
        self._idf = {w: math.log(1 + (n - f + 0.5) / (f + 0.5)) for w, f in frequency.items()}
        self._vocab = list(self._idf)

    def query_words(self, normalised_question: str) -> list[str]:
        """Content words of the question, misspellings mapped to the nearest indexed word."""
        words = []
        for word in content_words(normalised_question):
            if word not in self._idf and len(word) >= 4:
                match = process.extractOne(
                    word, self._vocab, scorer=fuzz.ratio, score_cutoff=self.params.fuzzy_cutoff
                )
                if match:
                    word = match[0]
            words.append(word)
        return words

    def lexical_scores(self, words: list[str]) -> np.ndarray:
        """BM25, scaled to 0..1 by the most the question's words could score."""
        p = self.params
        scores = np.zeros(len(self.clauses), dtype=np.float32)
        ceiling = 0.0
        for word in set(words):
            idf = self._idf.get(word)
            if idf is None:
                ceiling += math.log(1 + len(self.clauses))  # an unknown word counts against
                continue
            ceiling += idf * (p.k1 + 1)
            for n, doc in enumerate(self._docs):
                tf = doc.get(word)
                if tf:
                    norm = p.k1 * (1 - p.b + p.b * self._lengths[n] / self._avg_length)
                    scores[n] += idf * tf * (p.k1 + 1) / (tf + norm)
        return scores / ceiling if ceiling else scores

    # fused -------------------------------------------------------------------------------
    def search(self, question: str, query_vector: np.ndarray | None = None, k: int = 5) -> Ranking:
        normalised = normalise_text(question, self.knowledge.shorthand)
        if query_vector is None:
            query_vector = self.embedder.encode([normalised])[0]
        dense, best_view = self.dense_scores(query_vector)
        lexical = self.lexical_scores(self.query_words(normalised))
        fused = self.params.dense_weight * dense + self.params.lexical_weight * lexical
        top = np.argsort(-fused)[:k]
        hits = [
            Hit(
                clause=self.clauses[i],
                score=float(fused[i]),
                dense=float(dense[i]),
                lexical=float(lexical[i]),
                matched=self.views[int(best_view[i])],
            )
            for i in top
        ]
        if self.off_topic_vectors is None:
            return Ranking(hits)
        off = self.off_topic_vectors @ query_vector
        nearest = int(np.argmax(off))
        return Ranking(hits, off_topic=float(off[nearest]), off_topic_match=self.off_topic[nearest])

    def encode_questions(self, questions: list[str]) -> np.ndarray:
        """Embed many questions in one batch (the JSON Lines mode)."""
        normalised = [normalise_text(q, self.knowledge.shorthand) for q in questions]
        return self.embedder.encode(normalised)


def clause_view(clause: Clause) -> str:
    """The clause as embedded: its words, with its section and obligation for context."""
    lead = f"{clause.heading}. "
    if clause.obligation:
        lead += f"You {clause.obligation.lower()}: "
    return lead + " ".join(clause.text.split())
