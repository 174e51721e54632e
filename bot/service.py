"""The one facade every adapter calls: ask() and, as they land, check() and escalate().

Built once at the entry point from Settings; loads the knowledge and the model before it
serves anything, so a bad policy file or a missing model fails at start-up, not mid-request.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date

from bot.answering import (
    AnswerParams,
    build_answer,
    clean_question,
    is_mostly_other_script,
    not_covered,
)
from bot.config import Settings
from bot.embedding import Embedder, load_embedder
from bot.errors import InputError
from bot.knowledge import Knowledge, load_knowledge
from bot.models import Answer, PolicyMeta, Report
from bot.retrieval import Retriever

log = logging.getLogger(__name__)


class PolicyService:
    def __init__(
        self,
        settings: Settings,
        knowledge: Knowledge,
        embedder: Embedder,
        today: Callable[[], date] = date.today,
        answer_params: AnswerParams | None = None,
        load_checker: bool = True,
    ):
        self.settings = settings
        self.knowledge = knowledge
        self.embedder = embedder
        self.retriever = Retriever(knowledge, embedder, cache_dir=settings.cache_dir)
        self.today = today
        self.answer_params = answer_params or AnswerParams()
        self.policies: dict[str, PolicyMeta] = {p.source: p.meta for p in knowledge.policies}
        self._checker = None
        self._checker_lock = threading.Lock()
        if load_checker:  # servers load everything up front; `policybot ask` need not wait for it
            _ = self.checker

    @property
    def checker(self):
        with self._checker_lock:
            if self._checker is None:
                from bot.checking import build_checker  # a third of a second: not for `ask`

                self._checker = build_checker(
                    self.knowledge, self.embedder, self.retriever, self.settings.cache_dir
                )
            return self._checker

    @classmethod
    def from_settings(
        cls, settings: Settings, embedder: Embedder | None = None, load_checker: bool = True
    ) -> PolicyService:
        knowledge = load_knowledge(settings.knowledge_dir)
        embedder = embedder or load_embedder(
            settings.model, settings.cache_dir, settings.torch_threads, settings.runtime
        )
        return cls(settings, knowledge, embedder, load_checker=load_checker)

    @property
    def primary_policy(self) -> PolicyMeta:
        return next(iter(self.policies.values()))

    def ask(self, question: str) -> Answer:
        """Answer one question. Raises InputError for input that is not a question."""
        result = self.ask_many([question])[0]
        if isinstance(result, InputError):
            raise result
        return result

    def ask_many(self, questions: list[str]) -> list[Answer | InputError]:
        """Answer several questions with one batched model call; bad ones yield their InputError."""
        results: list[Answer | InputError | None] = [None] * len(questions)
        pending: list[tuple[int, str]] = []
        for n, raw in enumerate(questions):
            try:
                question = clean_question(raw)
            except InputError as exc:
                results[n] = exc
                continue
            if is_mostly_other_script(question):
                results[n] = not_covered(
                    question,
                    self.primary_policy,
                    "I can only search the policy in English. Please ask in English, "
                    "or ask the Town Manager.",
                )
            else:
                pending.append((n, question))
        if pending:
            prepared, vectors = self.retriever.encode_questions([q for _, q in pending])
            for (n, question), text, vector in zip(pending, prepared, vectors, strict=True):
                ranking = self.retriever.search(question, query_vector=vector, prepared=text)
                results[n] = build_answer(
                    question, ranking, self.policies, self.today(), self.answer_params
                )
        return results  # type: ignore[return-value]

    def check(self, draft: str, account: str = "council") -> Report:
        """Check one draft post. Raises InputError for a draft that cannot be checked."""
        return self.checker.check(draft, account)

    def check_many(self, drafts: list[str], account: str = "council") -> list[Report | InputError]:
        """Check several drafts at once (the model, if needed, runs once for the lot)."""
        return self.checker.check_many(drafts, account)
