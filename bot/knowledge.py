"""Load everything a council can change without code: its policies, and the data that helps
the bot understand how staff talk about them (curated phrasings, text-speak).

Layout of a knowledge folder (see knowledge/README.md):
  policies/*.txt|.md|.docx|.pdf   one or more policies (files at the top level work too)
  phrasings.yml                   optional: everyday wordings per clause, anchored by a phrase
  language.yml                    optional: text-speak and shorthand to expand in questions
  out_of_scope.yml                optional: questions the policy does not answer (never shown)
Files a folder lacks (except phrasings, which belong to one policy) are taken from the bundled
knowledge folder, so a council can start with nothing but its own policy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.config import DEFAULT_KNOWLEDGE_DIR
from bot.datafiles import load_yaml, require_keys
from bot.documents import POLICY_SUFFIXES
from bot.errors import KnowledgeError
from bot.models import Clause, PolicyDocument
from bot.policy import load_policy

IGNORED_NAMES = {"readme.md", "readme.txt", "changelog.md"}


@dataclass
class Knowledge:
    directory: Path
    policies: list[PolicyDocument]
    # clause id -> everyday wordings of what it is about (never shown as quotes)
    phrasings: dict[str, list[str]] = field(default_factory=dict)
    shorthand: dict[str, str] = field(default_factory=dict)
    # questions the policy does not answer: a nearby question is "not covered", not guessed at
    out_of_scope: list[str] = field(default_factory=list)
    unresolved_anchors: list[str] = field(default_factory=list)

    @property
    def clauses(self) -> list[Clause]:
        return [clause for policy in self.policies for clause in policy.clauses]

    @property
    def facts(self) -> list[Clause]:
        """Quotable lines of the cover pages (approval and review dates): never rule anchors."""
        return [fact for policy in self.policies for fact in policy.facts]

    @property
    def answerable(self) -> list[Clause]:
        """What an answer may quote: the clauses and the cover page's dates."""
        return [*self.facts, *self.clauses]

    def policy_for(self, source: str) -> PolicyDocument:
        return next(p for p in self.policies if p.source == source)

    def find_clause(self, anchor: str, source: str | None = None) -> Clause | None:
        """The clause whose text contains ``anchor`` (ignoring case, spacing and quote style)."""
        wanted = normalise_phrase(anchor)
        if not wanted:
            return None
        for clause in [*self.clauses, *self.facts]:  # a clause first: that is what rules want
            if source and clause.source != source:
                continue
            if wanted in normalise_phrase(clause.text):
                return clause
        return None


def normalise_phrase(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.lower().split())


def policy_files(directory: Path) -> list[Path]:
    candidates = list(directory.glob("*")) + list((directory / "policies").glob("*"))
    return sorted(
        p
        for p in candidates
        if p.is_file()
        and p.suffix.lower() in POLICY_SUFFIXES
        and p.name.lower() not in IGNORED_NAMES
    )


def load_knowledge(directory: Path) -> Knowledge:
    directory = Path(directory)
    if not directory.is_dir():
        raise KnowledgeError(f"{directory}: knowledge folder not found.")
    files = policy_files(directory)
    if not files:
        raise KnowledgeError(
            f"{directory}: no policy found; put a .txt, .md, .docx or .pdf policy in "
            f"{directory / 'policies'}."
        )
    policies = [load_policy(path) for path in files]
    names = [p.source for p in policies]
    if len(set(names)) != len(names):
        raise KnowledgeError(f"{directory}: two policy files share a name; rename one.")
    knowledge = Knowledge(directory=directory, policies=policies)
    knowledge.shorthand = _load_shorthand(data_file(directory, "language.yml"))
    # Phrasings are written for one policy's clauses, so they are never borrowed from the
    # bundled folder; text-speak and out-of-scope topics are general and are.
    phrasings = directory / "phrasings.yml"
    _load_phrasings(knowledge, phrasings if phrasings.exists() else None)
    knowledge.out_of_scope = _load_out_of_scope(data_file(directory, "out_of_scope.yml"))
    return knowledge


def data_file(directory: Path, name: str) -> Path | None:
    """A data file from the council's folder, else the bundled one (or None if neither has it)."""
    for base in (directory, DEFAULT_KNOWLEDGE_DIR):
        if (base / name).exists():
            return base / name
    return None


def _load_shorthand(path: Path | None) -> dict[str, str]:
    if path is None:
        return {}
    data = require_keys(path, "the file", load_yaml(path) or {}, set(), {"shorthand"})
    shorthand = data.get("shorthand") or {}
    if not isinstance(shorthand, dict) or not all(
        isinstance(k, str | int) and isinstance(v, str) for k, v in shorthand.items()
    ):
        raise KnowledgeError(f"{path}: shorthand must map short forms to words, e.g. r: are.")
    return {str(k).lower(): v for k, v in shorthand.items()}


def _load_out_of_scope(path: Path | None) -> list[str]:
    if path is None:
        return []
    data = require_keys(path, "the file", load_yaml(path) or {}, {"topics"}, set())
    topics = data["topics"] or []
    if not isinstance(topics, list) or not all(isinstance(t, str) and t.strip() for t in topics):
        raise KnowledgeError(f"{path}: topics must be a list of questions (text).")
    return [t.strip() for t in topics]


def _load_phrasings(knowledge: Knowledge, path: Path | None) -> None:
    if path is None:
        return
    data = require_keys(path, "the file", load_yaml(path) or {}, {"clauses"}, set())
    entries = data["clauses"] or []
    if not isinstance(entries, list):
        raise KnowledgeError(f"{path}: clauses must be a list.")
    for n, entry in enumerate(entries, start=1):
        where = f"clauses entry {n}"
        require_keys(path, where, entry, {"anchor", "phrasings"}, {"source"})
        anchor, phrasings = entry["anchor"], entry["phrasings"]
        if not isinstance(anchor, str) or not anchor.strip():
            raise KnowledgeError(f"{path}: {where}: anchor must be a phrase from the policy.")
        if not isinstance(phrasings, list) or not all(isinstance(p, str) for p in phrasings):
            raise KnowledgeError(f"{path}: {where}: phrasings must be a list of sentences.")
        clause = knowledge.find_clause(anchor, entry.get("source"))
        if clause is None:
            knowledge.unresolved_anchors.append(f"{path.name}: {anchor!r}")
            continue
        knowledge.phrasings.setdefault(clause.id, []).extend(p.strip() for p in phrasings)
