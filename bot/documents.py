"""Read a policy file (.txt, .md, .docx, .pdf) into the text that every offset indexes.

For plain text and Markdown that is the decoded UTF-8 file, unchanged. For Word and PDF it is
the text we extract here; quotes are slices of that extracted text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import KnowledgeError

POLICY_SUFFIXES = (".txt", ".md", ".docx", ".pdf")


@dataclass
class DocumentText:
    text: str
    # Lines the source itself marks as headings (Word styles): start offset -> level (0 = title).
    heading_starts: dict[int, int] = field(default_factory=dict)
    markdown: bool = False


def read_document(path: Path) -> DocumentText:
    suffix = path.suffix.lower()
    if not path.is_file():
        raise KnowledgeError(f"{path}: policy file not found.")
    if suffix in (".txt", ".md"):
        return DocumentText(_read_text(path), markdown=suffix == ".md")
    if suffix == ".docx":
        return _read_docx(path)
    if suffix == ".pdf":
        return _read_pdf(path)
    raise KnowledgeError(
        f"{path}: unsupported policy format {suffix!r}; use one of {', '.join(POLICY_SUFFIXES)}."
    )


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if b"\x00" in data:
        raise KnowledgeError(f"{path}: this looks like a binary file, not a text policy.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KnowledgeError(
            f"{path}: not UTF-8 text (byte {exc.start}); save the policy as UTF-8 and try again."
        ) from None


def _read_docx(path: Path) -> DocumentText:
    try:
        import docx  # python-docx

        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several unrelated types for bad files
        raise KnowledgeError(f"{path}: could not read this Word file ({exc}).") from None
    lines: list[str] = []
    headings: dict[int, int] = {}
    offset = 0
    for paragraph in document.paragraphs:
        text = paragraph.text.replace("\r", "")
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        if style.lower().startswith(("heading", "title")) and text.strip():
            level = "".join(c for c in style if c.isdigit())
            headings[offset] = int(level) if level else 0
        elif style.lower().startswith("list") and text.strip():
            text = "• " + text  # Word draws the bullet; the extracted text shows it too
        lines.append(text)
        offset += len(text) + 1
    return DocumentText("\n".join(lines), heading_starts=headings)


def _read_pdf(path: Path) -> DocumentText:
    try:
        from pypdf import PdfReader

        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:  # pypdf raises many types for damaged files
        raise KnowledgeError(f"{path}: could not read this PDF ({exc}).") from None
    text = "\n\n".join(pages)
    if not text.strip():
        raise KnowledgeError(f"{path}: this PDF has no text layer (is it a scan?).")
    return DocumentText(text)
