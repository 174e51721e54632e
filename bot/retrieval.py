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
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from anyascii import anyascii
from rapidfuzz import fuzz, process

from bot.classifier import PassageClassifier
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
    im ive id dont cant wont isnt policy say says said allowed allow ok really just also
    still""".split()
)


@dataclass(frozen=True)
class RetrievalParams:
    # fused = semantic_weight * (mix * classifier + (1 - mix) * dense) + rest * lexical
    semantic_weight: float = 0.6
    classifier_mix: float = 0.5
    classifier_strength: float = 2.0
    dense_top_k: int = 3
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
        all_clauses = knowledge.answerable
        targets = answer_targets(all_clauses)
        own = [c for c, t in zip(all_clauses, targets, strict=True) if t == c]
        position = {c.id: n for n, c in enumerate(own)}
        views, owners = [], []
        for clause in own:
            for view in [clause_view(clause), *knowledge.phrasings.get(clause.id, [])]:
                views.append(view)
                owners.append(position[clause.id])
        last_item: dict[str, Clause] = {}
        for clause, target in zip(all_clauses, targets, strict=True):
            if target != clause:  # a one-word list item is searched as part of its lead-in
                views.append(clause_view(clause))
                owners.append(position[target.id])
                last_item[target.id] = clause
        # A lead-in is quoted with its list ("... such as: Facebook, Whatsapp, ..."): one
        # verbatim passage that answers both "what counts as social media?" and "is WhatsApp?".
        self.clauses: list[Clause] = [
            _with_list(c, last_item[c.id], knowledge.policy_for(c.source).text)
            if c.id in last_item else c
            for c in own
        ]
        self.views = views
        self.view_owner = np.asarray(owners)
        self.view_vectors = cached_encode(embedder, views, cache_dir)
        self._view_table = _group_table(self.view_owner, len(self.clauses))
        self.off_topic = list(knowledge.out_of_scope)
        self.off_topic_vectors = (
            cached_encode(embedder, self.off_topic, cache_dir) if self.off_topic else None
        )
        self.classifier = self._train_classifier(cache_dir)
        self._build_lexical()

    def _train_classifier(self, cache_dir: Path | None) -> PassageClassifier | None:
        """Only worth training when most clauses have curated phrasings: with one passage per
        clause (a council's new policy, before anyone writes phrasings) its probabilities are
        too flat to trust, and dense similarity alone does better."""
        phrased = sum(1 for clause in self.clauses if self.knowledge.phrasings.get(clause.id))
        if phrased * 2 < len(self.clauses):
            return None
        vectors, labels = self.view_vectors, self.view_owner
        if self.off_topic_vectors is not None:
            vectors = np.vstack([vectors, self.off_topic_vectors])
            labels = np.concatenate(
                [labels, np.full(len(self.off_topic_vectors), len(self.clauses))]
            )
        if len(np.unique(labels)) < 2:
            return None
        return PassageClassifier(
            vectors.astype(np.float32),
            labels.astype(np.int64),
            classes=len(self.clauses) + 1,
            strength=self.params.classifier_strength,
            cache_dir=cache_dir,
        )

    # dense -------------------------------------------------------------------------------
    def dense_scores(self, query_vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per clause: the mean of its best few views' cosines, and which view was best.

        Averaging the top few (rather than taking the single best) rewards a clause that several
        of its phrasings support, and damps one stray phrasing that happens to match.
        """
        sims = np.append(self.view_vectors @ query_vector, -np.inf)
        grouped = sims[self._view_table]  # clauses x views-per-clause, padded with -inf
        k = min(self.params.dense_top_k, grouped.shape[1])
        top = -np.partition(-grouped, k - 1, axis=1)[:, :k]
        finite = np.isfinite(top)
        scores = np.where(finite, top, 0.0).sum(axis=1) / np.maximum(finite.sum(axis=1), 1)
        best_view = self._view_table[np.arange(len(self.clauses)), grouped.argmax(axis=1)]
        return scores.astype(np.float32), best_view

    def off_topic_similarity(self, query_vector: np.ndarray) -> float:
        """Without the classifier: closeness to the out-of-scope topics, averaged like a clause's
        views so that it compares fairly with a clause's dense score."""
        if self.off_topic_vectors is None:
            return -1.0
        sims = self.off_topic_vectors @ query_vector
        k = min(self.params.dense_top_k, len(sims))
        return float(np.sort(sims)[-k:].mean())

    def nearest_off_topic(self, query_vector: np.ndarray) -> str:
        if self.off_topic_vectors is None:
            return ""
        return self.off_topic[int(np.argmax(self.off_topic_vectors @ query_vector))]

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
        surface = {w for view in self.views for w in WORD.findall(normalise_text(view))}
        self._surface = sorted(w for w in surface if w.isalpha() and len(w) >= 4)
        self._surface_set = set(surface)

    def correct_spelling(self, normalised: str) -> str:
        """Replace a misspelt word with the nearest word the policy or its phrasings use
        ("confidentail" -> "confidential"); only close matches with the same first letter."""
        words = normalised.split()
        for n, word in enumerate(words):
            core = word.strip(".,!?;:'\"()")
            if (
                len(core) < 5
                or not core.isalpha()
                or core in self._surface_set
                or core in STOPWORDS
            ):
                continue
            match = process.extractOne(
                core, self._surface, scorer=fuzz.ratio, score_cutoff=self.params.fuzzy_cutoff
            )
            if match and match[0][0] == core[0]:
                words[n] = word.replace(core, match[0])
        return " ".join(words)

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
    def prepare(self, question: str) -> str:
        """The question as searched: ASCII, lower case, text-speak expanded, spelling mended."""
        return self.correct_spelling(normalise_text(question, self.knowledge.shorthand))

    def search(
        self,
        question: str,
        query_vector: np.ndarray | None = None,
        k: int = 5,
        prepared: str | None = None,
    ) -> Ranking:
        """The best clauses for a question. Pass ``prepared`` (from ``prepare``) with its
        ``query_vector`` when the question was already prepared and embedded in a batch."""
        normalised = prepared if prepared is not None else self.prepare(question)
        if query_vector is None:
            query_vector = self.embedder.encode([normalised])[0]
        dense, best_view = self.dense_scores(query_vector)
        lexical = self.lexical_scores(self.query_words(normalised))
        p = self.params
        if self.classifier is not None:
            probability = self.classifier.probabilities(query_vector)
            support, off_topic = probability[:-1], float(probability[-1])
            semantic = p.classifier_mix * support + (1 - p.classifier_mix) * dense
        else:
            support, off_topic, semantic = dense, self.off_topic_similarity(query_vector), dense
        fused = p.semantic_weight * semantic + (1 - p.semantic_weight) * lexical
        top = np.argsort(-fused)[:k]
        hits = [
            Hit(
                clause=self.clauses[i],
                score=float(fused[i]),
                dense=float(dense[i]),
                lexical=float(lexical[i]),
                support=float(support[i]),
                matched=self.views[int(best_view[i])],
            )
            for i in top
        ]
        nearest = self.nearest_off_topic(query_vector) if self.off_topic else ""
        return Ranking(hits, off_topic=off_topic, off_topic_match=nearest)

    def encode_questions(self, questions: list[str]) -> tuple[list[str], np.ndarray]:
        """Prepare and embed many questions in one batch: (prepared texts, their vectors)."""
        prepared = [self.prepare(q) for q in questions]
        return prepared, self.embedder.encode(prepared)


def _with_list(lead_in: Clause, last: Clause, source_text: str) -> Clause:
    """The lead-in clause stretched to the end of its list, still a slice of the source."""
    return replace(lead_in, end=last.end, text=source_text[lead_in.start : last.end])


def answer_targets(clauses: list[Clause]) -> list[Clause]:
    """Each clause answers for itself, except a bare list item ("Facebook"), which is no use
    quoted alone: it is searched as part of the paragraph that introduces its list."""
    targets: list[Clause] = []
    lead_in: Clause | None = None
    for clause in clauses:
        if clause.kind == "paragraph":
            lead_in = clause
        fragment = clause.kind == "bullet" and len(clause.text.split()) <= 2
        same_section = lead_in is not None and lead_in.section == clause.section
        targets.append(lead_in if fragment and same_section else clause)
    return targets


def _group_table(owners: np.ndarray, groups: int) -> np.ndarray:
    """Row g lists the view indices of group g, padded with len(owners) (a -inf sentinel)."""
    members: list[list[int]] = [[] for _ in range(groups)]
    for index, owner in enumerate(owners):
        members[int(owner)].append(index)
    width = max((len(m) for m in members), default=1) or 1
    table = np.full((groups, width), len(owners), dtype=np.int64)
    for g, m in enumerate(members):
        table[g, : len(m)] = m
    return table


def clause_view(clause: Clause) -> str:
    """The clause as embedded: its words, with its section and obligation for context."""
    lead = f"{clause.heading}. "
    if clause.obligation:
        lead += f"You {clause.obligation.lower()}: "
    return lead + " ".join(clause.text.split())
