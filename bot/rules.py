"""Load the rules for checking draft posts from ``knowledge/rules/*.yml``, strictly.

Each rule picks one of a small, closed set of check kinds (see ``KINDS``) and gives its payload,
severity, the clause it enforces (an anchor phrase), message, advice and its own examples. A
mistake in a rules file is a RuleError naming the file, the rule and the key, raised at start-up.
The schema is described in knowledge/README.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import DEFAULT_KNOWLEDGE_DIR
from bot.datafiles import load_yaml
from bot.errors import KnowledgeError, RuleError
from bot.models import ACCOUNTS, Rule

KINDS: dict[str, tuple[set[str], set[str]]] = {
    # kind: (required payload keys, optional payload keys)
    "lexicon": (set(), {"lexicon", "words", "unless"}),
    "pattern": ({"patterns"}, {"also", "unless", "case_sensitive"}),
    "personal_data": ({"detect"}, {"unless"}),
    "link": (set(), {"shorteners_only", "unless"}),
    "semantic": (
        {"exemplars"},
        {"counter_exemplars", "gate", "threshold", "margin", "screen", "unless"},
    ),
}
PERSONAL_DATA = {"phone", "email", "ni_number", "address"}
COMMON_REQUIRED = {"id", "title", "kind", "severity", "clause", "message", "advice"}
COMMON_OPTIONAL = {"escalate", "accounts", "examples", "also_clauses"}
FILE_KEYS = {
    "rules",
    "published_contacts",
    "human_judgement",
    "link_shorteners",
    "trusted_sites",
    "clean_exemplars",
}
RULE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class PublishedContacts:
    """The council's own contact details, published on its website: never flagged."""

    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()  # web and e-mail domains that are the council's own


@dataclass(frozen=True)
class JudgementItem:
    clause: str  # anchor
    note: str
    accounts: tuple[str, ...] = ACCOUNTS


@dataclass
class RuleBook:
    rules: list[Rule] = field(default_factory=list)
    contacts: PublishedContacts = field(default_factory=PublishedContacts)
    judgement: list[JudgementItem] = field(default_factory=list)
    shorteners: tuple[str, ...] = ()
    trusted_sites: tuple[str, ...] = ()  # public-service sites linked to without a reminder
    files: list[Path] = field(default_factory=list)
    lexicons: dict[str, list[str]] = field(default_factory=dict)
    clean_exemplars: list[str] = field(default_factory=list)  # ordinary posts, for semantic rules


def rules_folder(knowledge_dir: Path) -> Path:
    """The council's own rules folder if it has one, else the bundled rules."""
    own = Path(knowledge_dir) / "rules"
    return own if own.is_dir() else DEFAULT_KNOWLEDGE_DIR / "rules"


def lexicon_path(knowledge_dir: Path, name: str) -> Path:
    for base in (Path(knowledge_dir), DEFAULT_KNOWLEDGE_DIR):
        if (base / "lexicons" / name).is_file():
            return base / "lexicons" / name
    return Path(knowledge_dir) / "lexicons" / name


def load_rulebook(knowledge_dir: Path) -> RuleBook:
    folder = rules_folder(knowledge_dir)
    files = sorted(folder.glob("*.yml")) + sorted(folder.glob("*.yaml"))
    if not files:
        raise RuleError(f"{folder}: no rules files (*.yml) found.")
    book = RuleBook(files=files)
    seen: dict[str, Path] = {}
    for path in files:
        try:
            data = load_yaml(path) or {}
        except KnowledgeError as exc:
            raise RuleError(str(exc)) from None
        if not isinstance(data, dict):
            raise RuleError(f"{path}: the file must be a mapping with a 'rules' list.")
        unknown = set(data) - FILE_KEYS
        if unknown:
            raise RuleError(
                f"{path}: unknown top-level key(s) {', '.join(sorted(map(str, unknown)))}; "
                f"expected {', '.join(sorted(FILE_KEYS))}."
            )
        for n, entry in enumerate(_list(path, "rules", data.get("rules")), start=1):
            rule = parse_rule(path, n, entry, knowledge_dir, book)
            if rule.id in seen:
                raise RuleError(f"{path}: rule {rule.id!r} is already defined in {seen[rule.id]}.")
            seen[rule.id] = path
            book.rules.append(rule)
        if "published_contacts" in data:
            book.contacts = _contacts(path, data["published_contacts"])
        for n, entry in enumerate(_list(path, "human_judgement", data.get("human_judgement")), 1):
            book.judgement.append(_judgement(path, n, entry))
        if "trusted_sites" in data:
            book.trusted_sites = tuple(
                s.lower() for s in _strings(path, "trusted_sites", data["trusted_sites"])
            )
        if "clean_exemplars" in data:
            book.clean_exemplars.extend(_strings(path, "clean_exemplars", data["clean_exemplars"]))
        if "link_shorteners" in data:
            book.shorteners = tuple(
                s.lower() for s in _strings(path, "link_shorteners", data["link_shorteners"])
            )
    if not book.rules:
        raise RuleError(f"{folder}: the rules files define no rules.")
    return book


def parse_rule(path: Path, n: int, entry: object, knowledge_dir: Path, book: RuleBook) -> Rule:
    if not isinstance(entry, dict):
        raise RuleError(f"{path}: rules entry {n} must be a mapping of keys to values.")
    rule_id = entry.get("id")
    if not isinstance(rule_id, str) or not RULE_ID.match(rule_id):
        raise RuleError(
            f"{path}: rules entry {n}: id must be lower-case letters, digits and dashes "
            f"(got {rule_id!r})."
        )
    where = f"{path}: rule {rule_id!r}"
    kind = entry.get("kind")
    if kind not in KINDS:
        raise RuleError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}.")
    required, optional = KINDS[kind]
    unknown = set(entry) - COMMON_REQUIRED - COMMON_OPTIONAL - required - optional
    if unknown:
        raise RuleError(
            f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))} for kind {kind!r}; "
            f"expected {', '.join(sorted(COMMON_REQUIRED | COMMON_OPTIONAL | required | optional))}"
            "."
        )
    missing = (COMMON_REQUIRED | required) - set(entry)
    if missing:
        raise RuleError(f"{where}: missing key(s) {', '.join(sorted(missing))}.")
    for key in ("title", "clause", "message", "advice"):
        if not isinstance(entry[key], str) or not entry[key].strip():
            raise RuleError(f"{where}: {key} must be some text.")
    if entry["severity"] not in ("review", "block"):
        raise RuleError(
            f"{where}: severity must be 'review' or 'block', not {entry['severity']!r}."
        )
    escalate = entry.get("escalate", False)
    if not isinstance(escalate, bool):
        raise RuleError(f"{where}: escalate must be true or false.")
    accounts = tuple(_strings(where, "accounts", entry.get("accounts", list(ACCOUNTS))))
    bad = [a for a in accounts if a not in ACCOUNTS] or ([] if accounts else ["(none)"])
    if bad:
        raise RuleError(f"{where}: accounts must be from {', '.join(ACCOUNTS)}, not {bad[0]!r}.")
    examples = entry.get("examples") or {}
    if not isinstance(examples, dict) or set(examples) - {"trigger", "pass"}:
        raise RuleError(f"{where}: examples must have only 'trigger' and 'pass' lists.")
    params = {k: entry[k] for k in entry if k in required | optional}
    _check_params(where, kind, params, knowledge_dir, book)
    return Rule(
        id=rule_id,
        title=entry["title"].strip(),
        kind=kind,
        severity=entry["severity"],
        clause=entry["clause"].strip(),
        also_clauses=tuple(a.strip() for a in _strings(where, "also_clauses",
                                                         entry.get("also_clauses", []))),
        message=" ".join(entry["message"].split()),
        advice=" ".join(entry["advice"].split()),
        escalate=escalate,
        accounts=accounts,
        params=params,
        trigger_examples=tuple(_strings(where, "examples.trigger", examples.get("trigger") or [])),
        pass_examples=tuple(_strings(where, "examples.pass", examples.get("pass") or [])),
        file=path.name,
    )


def _check_params(where: str, kind: str, params: dict, knowledge_dir: Path, book: RuleBook):
    for key in ("patterns", "also", "unless", "gate"):
        if key in params:
            for pattern in _strings(where, key, params[key]):
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise RuleError(f"{where}: {key}: bad pattern {pattern!r} ({exc}).") from None
    for key in ("case_sensitive", "shorteners_only"):
        if key in params and not isinstance(params[key], bool):
            raise RuleError(f"{where}: {key} must be true or false.")
    if kind == "lexicon":
        if "lexicon" not in params and "words" not in params:
            raise RuleError(f"{where}: a lexicon rule needs 'lexicon' (a file) or 'words'.")
        words = list(_strings(where, "words", params.get("words", [])))
        names = params.get("lexicon", [])
        for name in [names] if isinstance(names, str) else _strings(where, "lexicon", names):
            if name not in book.lexicons:
                book.lexicons[name] = read_lexicon(lexicon_path(knowledge_dir, name), where)
            words.extend(book.lexicons[name])
        if not [w for w in words if not w.startswith("!")]:
            raise RuleError(f"{where}: the lexicon has no words.")
        params["entries"] = words
    if kind == "personal_data":
        detect = list(_strings(where, "detect", params["detect"]))
        bad = [d for d in detect if d not in PERSONAL_DATA]
        if bad or not detect:
            raise RuleError(
                f"{where}: detect must list some of {', '.join(sorted(PERSONAL_DATA))}"
                + (f", not {bad[0]!r}." if bad else ".")
            )
    if kind == "semantic":
        if not list(_strings(where, "exemplars", params["exemplars"])):
            raise RuleError(f"{where}: exemplars must list some example sentences.")
        _strings(where, "counter_exemplars", params.get("counter_exemplars", ["-"]))
        for key, low, high in (("threshold", 0, 1), ("margin", -1, 1), ("screen", -1, 1)):
            value = params.get(key, 0.5)
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if not number or not low < value < high:
                raise RuleError(f"{where}: {key} must be a number between {low} and {high}.")


def read_lexicon(path: Path, where: str) -> list[str]:
    """One word or phrase a line; '#' starts a comment; a trailing * allows the usual endings
    (``shit*`` also finds ``shitty``, ``shitbags``; see detectors.ENDINGS); a leading ! marks a
    word never to flag (``!shitake``)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise RuleError(f"{where}: lexicon file {path} not found.") from None
    except UnicodeDecodeError:
        raise RuleError(f"{path}: not UTF-8 text.") from None
    words = []
    for number, line in enumerate(lines, start=1):
        word = line.split("#", 1)[0].strip().lower()
        if not word:
            continue
        if not re.fullmatch(r"!?[a-z][a-z' -]*\*?", word):
            raise RuleError(f"{path}: line {number}: {word!r} is not a word or phrase.")
        words.append(word)
    return words


def _contacts(path: Path, data: object) -> PublishedContacts:
    if not isinstance(data, dict) or set(data) - {"phones", "emails", "domains"}:
        raise RuleError(f"{path}: published_contacts must have only phones, emails and domains.")
    return PublishedContacts(
        phones=tuple(_strings(path, "published_contacts.phones", data.get("phones") or [])),
        emails=tuple(
            e.lower() for e in _strings(path, "published_contacts.emails", data.get("emails") or [])
        ),
        domains=tuple(
            d.lower()
            for d in _strings(path, "published_contacts.domains", data.get("domains") or [])
        ),
    )


def _judgement(path: Path, n: int, entry: object) -> JudgementItem:
    where = f"{path}: human_judgement entry {n}"
    if not isinstance(entry, dict) or set(entry) - {"clause", "note", "accounts"}:
        raise RuleError(f"{where} must have clause, note and optionally accounts.")
    if not isinstance(entry.get("clause"), str) or not isinstance(entry.get("note"), str):
        raise RuleError(f"{where}: clause and note must be text.")
    accounts = tuple(_strings(where, "accounts", entry.get("accounts", list(ACCOUNTS))))
    if any(a not in ACCOUNTS for a in accounts):
        raise RuleError(f"{where}: accounts must be from {', '.join(ACCOUNTS)}.")
    return JudgementItem(entry["clause"].strip(), " ".join(entry["note"].split()), accounts)


def _list(path: Path, key: str, value: object) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise RuleError(f"{path}: {key} must be a list.")
    return value


def _strings(where: object, key: str, value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise RuleError(f"{where}: {key} must be a list of text.")
    return value
