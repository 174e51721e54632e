"""Split a policy document into sections and clauses with exact character offsets.

Works on the decoded text of the document. The cover page, running header and table of contents
(everything before the first section heading, plus contents lines) are not clauses. Each bullet
or paragraph is one clause, even when the source wraps it over several lines. Bullets take the
obligation of the heading line above them ("MUST NOT AT ANY TIME:"); a paragraph takes the one
written in capitals inside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.datafiles import load_yaml, require_keys
from bot.documents import DocumentText, read_document
from bot.errors import KnowledgeError
from bot.models import OBLIGATIONS, Clause, PolicyDocument, PolicyMeta, Section

BULLET = re.compile(r"^[ \t]*(?:[·•▪◦●○■□‣⁃∙\-\*–—]|o(?=\s)|\(?[a-z]\)|\(?[ivx]+\))[ \t]+(?=\S)")
NUMBERED_ITEM = re.compile(r"^[ \t]*\d+(?:\.\d+)+\.?[ \t]+(?=\S)")  # 3.1 / 3.1.2 sub-clauses
HEADING = re.compile(
    r"^[ \t]*(?P<num>\d{1,2})\.?[ \t]+(?:\[bookmark:[^\]]*\][ \t]*)*(?P<head>\S[^\n]*?)[ \t]*$"
)
MARKDOWN_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]+(?P<head>\S[^\n]*?)[ \t#]*$")
BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]\s*")
CONTENTS_LINE = re.compile(r"(?:\t|\.{3,}|\s{3,})\s*\d+(?:\s*[-–]\s*\d+)?\s*$")
PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?\d+(?:\s+of\s+\d+)?\s*$", re.IGNORECASE)
OBLIGATION_IN_CAPS = re.compile(r"\b(" + "|".join(re.escape(o) for o in OBLIGATIONS) + r")\b")
MONTH_NAMES = (
    "january february march april may june july august september october november december"
)
MONTHS = {name: number for number, name in enumerate(MONTH_NAMES.split(), start=1)}
DATE = re.compile(
    r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?P<month>[A-Za-z]+)\s+(?P<year>\d{4})\b"
    r"|\b(?P<d>\d{1,2})[/.](?P<m>\d{1,2})[/.](?P<y>\d{4})\b"
)
SMALL_WORDS = {"of", "and", "the", "for", "to", "in", "on", "a", "an", "or", "at", "by", "with"}


@dataclass
class _Line:
    start: int
    end: int  # exclusive, without the newline
    text: str

    @property
    def blank(self) -> bool:
        return not self.text.strip()


def load_policy(path: Path) -> PolicyDocument:
    """Read and split one policy file; a sidecar ``<name>.yml`` may override its metadata."""
    document = read_document(path)
    policy = parse_policy(document, source=path.name)
    overrides = _read_sidecar(path)
    if overrides:
        policy.meta = PolicyMeta(
            title=overrides.get("title", policy.meta.title),
            approved=overrides.get("approved", policy.meta.approved),
            review_due=overrides.get("review_due", policy.meta.review_due),
        )
    if not policy.clauses:
        raise KnowledgeError(f"{path}: no clauses found; is this the policy text?")
    return policy


def parse_policy(document: DocumentText | str, source: str) -> PolicyDocument:
    if isinstance(document, str):
        document = DocumentText(document)
    text = document.text
    lines = _split_lines(text)
    heading_idx = _find_headings(lines, document)
    sections: list[Section] = []
    clauses: list[Clause] = []
    body_start = heading_idx[0][0] if heading_idx else _first_content_line(lines)
    if not heading_idx:
        # No recognisable headings: the whole document is one section.
        heading_idx = [(body_start, "1", "", True)]
    for n, (line_no, number, heading, real) in enumerate(heading_idx):
        end_line = heading_idx[n + 1][0] if n + 1 < len(heading_idx) else len(lines)
        first_body = line_no + 1 if real else line_no
        section_end = _last_nonblank_end(lines, line_no, end_line)
        sections.append(Section(source, number, heading, lines[line_no].start, section_end))
        clauses.extend(_clauses_in(lines, first_body, end_line, source, number, heading, text))
    meta = _read_meta(text, lines, body_start, source)
    front_end = lines[body_start].start if body_start < len(lines) else len(text)
    return PolicyDocument(
        source=source,
        text=text,
        meta=meta,
        sections=sections,
        clauses=clauses,
        facts=_cover_facts(text, front_end, source),
    )


def _split_lines(text: str) -> list[_Line]:
    lines, pos = [], 0
    for raw in text.split("\n"):
        body = raw[:-1] if raw.endswith("\r") else raw
        lines.append(_Line(pos, pos + len(body), body))
        pos += len(raw) + 1
    return lines


def _find_headings(lines: list[_Line], document: DocumentText) -> list[tuple[int, str, str, bool]]:
    found: list[tuple[int, str, str, bool]] = []
    levels: list[int] = []
    for i, line in enumerate(lines):
        if line.blank or CONTENTS_LINE.search(line.text):
            continue
        marked = MARKDOWN_HEADING.match(line.text) if document.markdown else None
        if line.start in document.heading_starts or marked:
            head = marked.group("head") if marked else line.text.strip()
            number, head = _split_number(head, default=str(len(found) + 1))
            found.append((i, number, _clean_heading(head), True))
            if marked:
                levels.append(len(line.text.strip()) - len(line.text.strip().lstrip("#")))
            else:
                levels.append(document.heading_starts[line.start])
            continue
        match = HEADING.match(line.text)
        if match and _looks_like_heading(match.group("head")):
            found.append((i, match.group("num"), _clean_heading(match.group("head")), True))
            levels.append(1)
    if len(found) > 1 and levels[0] < min(levels[1:]):
        # A lone top-level heading above all the others is the document's title, not a section.
        found = found[1:]
        if all(n == str(k + 2) for k, (_, n, _, _) in enumerate(found)):
            found = [(i, str(int(n) - 1), h, r) for i, n, h, r in found]
    return found


def _split_number(head: str, default: str) -> tuple[str, str]:
    match = re.match(r"^(\d{1,2})[.)]?\s+(.*)$", head)
    return (match.group(1), match.group(2)) if match else (default, head)


def _looks_like_heading(head: str) -> bool:
    words = BOOKMARK.sub("", head).split()
    if not words or len(words) > 10 or head.rstrip()[-1] in ".:;,?!":
        return False
    letters = [c for c in head if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) / len(letters) > 0.6


def _clean_heading(head: str) -> str:
    head = " ".join(BOOKMARK.sub("", head).split()).strip(" #")
    letters = [c for c in head if c.isalpha()]
    if letters and all(c.isupper() for c in letters):
        head = _title_case(head)
    return head


def _title_case(text: str) -> str:
    words = []
    for i, word in enumerate(text.split()):
        lower = word.lower()
        if i and lower in SMALL_WORDS:
            words.append(lower)
        elif len(word) <= 2 and word.isalpha():
            words.append(word)  # IT, HR: initialisms stay as written
        else:
            words.append(word[0] + word[1:].lower())
    return " ".join(words)


def _first_content_line(lines: list[_Line]) -> int:
    return next((i for i, line in enumerate(lines) if not line.blank), 0)


def _last_nonblank_end(lines: list[_Line], first: int, stop: int) -> int:
    for line in reversed(lines[first:stop]):
        if not line.blank:
            return line.start + len(line.text.rstrip())
    return lines[first].end


def _clauses_in(lines, first, stop, source, number, heading, text) -> list[Clause]:
    blocks = _blocks(lines, first, stop)
    clauses: list[Clause] = []
    obligation: str | None = None
    for n, (kind, start, end) in enumerate(blocks):
        body = text[start:end]
        next_is_bullet = n + 1 < len(blocks) and blocks[n + 1][0] == "bullet"
        if kind == "paragraph":
            caps = OBLIGATION_IN_CAPS.search(body)
            if caps and next_is_bullet and len(body.split()) <= 12:
                obligation = caps.group(1)  # a list heading such as "MUST NOT AT ANY TIME:"
                continue
            obligation = None
            if _is_subheading(body):
                continue
            own = caps.group(1) if caps else None
        else:
            own = obligation
        index = len(clauses) + 1
        clauses.append(
            Clause(
                id=f"{Path(source).stem}#{number}.{index}",
                source=source,
                section=number,
                heading=heading,
                obligation=own,
                start=start,
                end=end,
                text=body,
                kind=kind,
            )
        )
    return clauses


def _blocks(lines: list[_Line], first: int, stop: int) -> list[tuple[str, int, int]]:
    """Group lines into bullets and paragraphs: (kind, start, end) with trimmed offsets."""
    blocks: list[list] = []
    open_block = False
    for line in lines[first:stop]:
        if line.blank or PAGE_NUMBER.match(line.text):
            open_block = False
            continue
        marker = BULLET.match(line.text) or NUMBERED_ITEM.match(line.text)
        stripped_end = line.start + len(line.text.rstrip())
        if marker:
            blocks.append(["bullet", line.start + marker.end(), stripped_end])
            open_block = True
        elif open_block:
            blocks[-1][2] = stripped_end
        else:
            lead = len(line.text) - len(line.text.lstrip())
            blocks.append(["paragraph", line.start + lead, stripped_end])
            open_block = True
    return [tuple(b) for b in blocks]


def _is_subheading(body: str) -> bool:
    words = body.split()
    return len(words) <= 6 and "\n" not in body and body.rstrip()[-1] not in ".:;,?!)"


def _read_meta(text: str, lines: list[_Line], body_start: int, source: str) -> PolicyMeta:
    front = text[: lines[body_start].start] if body_start < len(lines) else text
    return PolicyMeta(
        title=_find_title(front) or _title_from_name(source),
        approved=_date_after(front, APPROVAL_WORDS) or _date_after(text, APPROVAL_WORDS),
        review_due=_date_after(front, REVIEW_WORDS)
        or _date_after(text, ("review date", "due for review")),
    )


APPROVAL_WORDS = ("approved", "adopted")
REVIEW_WORDS = ("review",)


def _cover_facts(text: str, front_end: int, source: str) -> list[Clause]:
    """The cover page's approval and review lines ("For review 2nd March 2025") as quotable
    spans, so that "when is this policy due for review?" is answered from the document itself.
    Each runs from the start of the keyword's line to the end of the date after it: the same
    dates the metadata is read from."""
    front, facts = text[:front_end], []
    for keywords in (APPROVAL_WORDS, REVIEW_WORDS):
        found = _dated_keyword(front, keywords)
        if found is None:
            continue
        position, match = found
        start = front.rfind("\n", 0, position) + 1
        while front[start] in " \t":
            start += 1
        facts.append(
            Clause(
                id=f"{Path(source).stem}#cover.{len(facts) + 1}",
                source=source,
                section="",
                heading="Cover page",
                obligation=None,
                start=start,
                end=match.end(),
                text=text[start : match.end()],
                kind="fact",
            )
        )
    return facts


def _find_title(front: str) -> str | None:
    for block in re.split(r"\n\s*\n", front):
        lines = [
            line.strip().lstrip("#").strip()
            for line in block.splitlines()
            if line.strip() and not line.strip().startswith("[")
        ]
        joined = " ".join(lines)
        if "policy" in joined.lower() and len(joined.split()) <= 14 and not DATE.search(joined):
            return _clean_heading(joined) if joined.isupper() else _title_words(joined)
    return None


def _title_words(text: str) -> str:
    """Title-case the capitalised words of a cover title; bracketed asides stay as written."""
    out, depth = [], 0
    for word in text.split():
        depth += word.count("(")
        if depth or not word.isupper():
            out.append(word)
        else:
            out.append(_title_case(word) if not out else _title_case("x " + word).split()[1])
        depth -= word.count(")")
    return " ".join(out)


def _title_from_name(source: str) -> str:
    return Path(source).stem.replace("-", " ").replace("_", " ").strip().capitalize()


def _date_after(text: str, keywords: tuple[str, ...]) -> date | None:
    found = _dated_keyword(text, keywords)
    return _parse_date(found[1]) if found else None


def _dated_keyword(text: str, keywords: tuple[str, ...]) -> tuple[int, re.Match] | None:
    """Where the first keyword with a real date soon after it is, and that date."""
    lower = text.lower()
    for keyword in keywords:
        position = lower.find(keyword)
        if position < 0:
            continue
        match = DATE.search(text, position, position + 200)
        if match and _parse_date(match):
            return position, match
    return None


def _parse_date(match: re.Match) -> date | None:
    try:
        if match.group("day"):
            month = MONTHS.get(match.group("month").lower())
            if not month:
                return None
            return date(int(match.group("year")), month, int(match.group("day")))
        return date(int(match.group("y")), int(match.group("m")), int(match.group("d")))
    except ValueError:
        return None


def _read_sidecar(path: Path) -> dict:
    sidecar = path.with_suffix(".yml")
    if not sidecar.exists():
        return {}
    data = load_yaml(sidecar) or {}
    require_keys(sidecar, "the file", data, set(), {"title", "approved", "review_due"})
    for key in ("approved", "review_due"):
        if key in data and not isinstance(data[key], date):
            raise KnowledgeError(f"{sidecar}: {key} must be a date such as 2025-03-02.")
    return data
