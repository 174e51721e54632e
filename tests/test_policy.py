"""The policy is split into sections and clauses whose text is exactly a slice of the source."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.documents import DocumentText
from bot.errors import KnowledgeError
from bot.knowledge import load_knowledge
from bot.policy import load_policy, parse_policy
from tests.conftest import REPO, SEED_POLICY

SHARED_SEED = REPO.parent / "shared" / "seed" / "acceptable-use-of-it-policy.txt"


def clause_containing(policy, phrase):
    matches = [c for c in policy.clauses if phrase in c.text]
    assert len(matches) == 1, f"{phrase!r} found in {len(matches)} clauses"
    return matches[0]


def test_every_clause_is_a_verbatim_slice_of_its_source(policy):
    assert policy.clauses
    for clause in policy.clauses:
        assert policy.text[clause.start : clause.end] == clause.text
        assert clause.text == clause.text.strip()


def test_offsets_index_the_decoded_utf8_file(policy):
    assert policy.text == SEED_POLICY.read_bytes().decode("utf-8")


@pytest.mark.skipif(not SHARED_SEED.exists(), reason="shared seed not beside the repo")
def test_knowledge_policy_is_byte_identical_to_the_seed():
    assert SEED_POLICY.read_bytes() == SHARED_SEED.read_bytes()


def test_sections_are_numbered_with_clean_headings(policy):
    assert [s.number for s in policy.sections] == [str(n) for n in range(1, 9)]
    assert policy.sections[0].heading == "Policy Statement"
    assert policy.sections[2].heading == "General Obligations"
    assert policy.sections[5].heading == "Personal Use of Own Social Media"
    assert all("bookmark" not in s.heading for s in policy.sections)


def test_cover_page_running_header_and_contents_are_not_clauses(policy):
    first_section = policy.sections[0].start
    assert all(c.start > first_section for c in policy.clauses)
    texts = " ".join(c.text for c in policy.clauses)
    assert "KNOWLSEY TOWN COUNCIL" not in texts
    assert "Contents" not in texts
    assert "[bookmark" not in texts
    assert "[image" not in texts


def test_wrapped_bullet_is_one_clause(policy):
    clause = clause_containing(policy, "Disclose any confidential information")
    assert clause.text.endswith("published on the Town Council website.")
    assert "\n" in clause.text  # wrapped over two lines in the source, still one clause


def test_bullets_take_the_obligation_of_their_list(policy):
    expected = {
        "Be careful before endorsing": "MUST AT ALL TIMES",
        "Re-tweet, like or share campaigns or petitions": "MUST NOT AT ANY TIME",
        "Consider how an action would look to a third party": "MUST ALWAYS",
        "Ensure that any reply to negative comments": "MUST",
        "Reply to any negative, defamatory": "MUST NOT",
    }
    for phrase, obligation in expected.items():
        assert clause_containing(policy, phrase).obligation == obligation, phrase


def test_list_headings_and_subheadings_are_not_clauses(policy):
    texts = {c.text for c in policy.clauses}
    assert "MUST NOT AT ANY TIME:" not in texts
    assert "Elected Members and Town Council staff MUST ALWAYS:" not in texts
    assert "Credibility" not in texts


def test_paragraph_clause_carries_its_own_capitalised_obligation(policy):
    clause = clause_containing(policy, "speaking on their own behalf")
    assert clause.obligation == "MUST"
    assert clause_containing(policy, "Screenshots must be taken").obligation is None


def test_document_metadata_is_read_from_the_cover(policy):
    assert policy.meta.title == "Acceptable Use of IT Policy (including Social Media)"
    assert policy.meta.approved == date(2023, 3, 2)
    assert policy.meta.review_due == date(2025, 3, 2)


def test_cover_page_dates_are_quotable_slices_but_not_clauses(policy):
    approved, review = policy.facts
    assert " ".join(approved.text.split()) == (
        "Approved by the Town Council’s HR Committee 2nd March 2023"
    )
    assert " ".join(review.text.split()) == "For review 2nd March 2025"
    for fact in policy.facts:
        assert policy.text[fact.start : fact.end] == fact.text
        assert fact not in policy.clauses


MARKDOWN = """# Social Media Policy

Adopted by Full Council on 14 June 2024. Review date: 14 June 2026.

## 1. Scope

This policy applies to all councillors and staff.

## 2. What you must not do

Staff MUST NOT:

- post personal data about residents
  or their families
- share petitions from unknown sources

Photos of children need written consent from a parent.
"""


def test_markdown_policy_with_hash_headings_and_dash_bullets():
    policy = parse_policy(DocumentText(MARKDOWN, markdown=True), source="sm.md")
    assert [(s.number, s.heading) for s in policy.sections] == [
        ("1", "Scope"),
        ("2", "What you must not do"),
    ]
    personal = clause_containing(policy, "post personal data")
    assert personal.text == "post personal data about residents\n  or their families"
    assert personal.obligation == "MUST NOT"
    assert clause_containing(policy, "Photos of children").obligation is None
    assert policy.meta.review_due == date(2026, 6, 14)
    assert policy.meta.approved == date(2024, 6, 14)
    assert policy.meta.title == "Social Media Policy"
    for clause in policy.clauses:
        assert MARKDOWN[clause.start : clause.end] == clause.text


def test_word_policy_uses_heading_styles(tmp_path):
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_paragraph("Internet Use Policy", style="Title")
    document.add_heading("Email", level=1)
    document.add_paragraph("Council email is for council business.")
    document.add_paragraph("Do not forward chain letters.", style="List Bullet")
    path = tmp_path / "internet.docx"
    document.save(path)
    policy = load_policy(path)
    assert [s.heading for s in policy.sections] == ["Email"]
    assert policy.meta.title == "Internet Use Policy"
    bullet = clause_containing(policy, "chain letters")
    assert policy.text[bullet.start : bullet.end] == "Do not forward chain letters."


def test_missing_policy_file_is_named(tmp_path):
    with pytest.raises(KnowledgeError, match="missing.txt"):
        load_policy(tmp_path / "missing.txt")


def test_binary_policy_file_is_refused_with_its_name(tmp_path):
    path = tmp_path / "junk.txt"
    path.write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(KnowledgeError, match="junk.txt"):
        load_policy(path)


def test_empty_knowledge_folder_says_where_to_put_a_policy(tmp_path):
    with pytest.raises(KnowledgeError, match="no policy found"):
        load_knowledge(tmp_path)


def test_malformed_phrasings_file_names_file_and_key(tmp_path):
    (tmp_path / "policy.txt").write_text(SEED_POLICY.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "phrasings.yml").write_text(
        "clauses:\n  - anchor: x\n    phrasing: [a]\n", encoding="utf-8"
    )
    with pytest.raises(KnowledgeError, match=r"phrasings.yml.*phrasing"):
        load_knowledge(tmp_path)


def test_sidecar_overrides_metadata_and_rejects_unknown_keys(tmp_path):
    path = tmp_path / "p.txt"
    path.write_text("1. SCOPE\n\nThis applies to everyone.\n", encoding="utf-8")
    path.with_suffix(".yml").write_text(
        "title: Our Policy\nreview_due: 2030-01-01\n", encoding="utf-8"
    )
    assert load_policy(path).meta.title == "Our Policy"
    assert load_policy(path).meta.review_due == date(2030, 1, 1)
    path.with_suffix(".yml").write_text("titel: Typo\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="titel"):
        load_policy(path)


def test_several_policies_load_and_quotes_name_their_source(tmp_path):
    (tmp_path / "a.txt").write_text("1. EMAIL\n\nDo not send chain letters.\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("# Phones\n\n- Keep your phone locked.\n", encoding="utf-8")
    knowledge = load_knowledge(tmp_path)
    assert {c.source for c in knowledge.clauses} == {"a.txt", "b.md"}
    assert knowledge.find_clause("phone locked").source == "b.md"


def test_unresolved_phrasing_anchor_is_reported_not_dropped_silently(tmp_path):
    (tmp_path / "a.txt").write_text("1. EMAIL\n\nDo not send chain letters.\n", encoding="utf-8")
    (tmp_path / "phrasings.yml").write_text(
        "clauses:\n  - anchor: nowhere in the text\n    phrasings: [x]\n", encoding="utf-8"
    )
    knowledge = load_knowledge(tmp_path)
    assert any("nowhere in the text" in a for a in knowledge.unresolved_anchors)


def test_repo_knowledge_has_the_seed_policy():
    assert (REPO / "knowledge" / "policies" / SEED_POLICY.name).exists()
    assert Path(SEED_POLICY).suffix == ".txt"


def _tiny_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with one text line per entry, built by hand (no PDF writer needed)."""
    text = (
        "BT /F1 12 Tf 72 720 Td 14 TL "
        + " ".join(
            "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") Tj T*"
            for line in lines
        )
        + " ET"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text.encode("latin-1") + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def test_pdf_policy_quotes_slices_of_its_extracted_text(tmp_path):
    path = tmp_path / "phones.pdf"
    path.write_bytes(
        _tiny_pdf(["1. MOBILE PHONES", "", "Staff MUST NOT:", "- share the office PIN", "2. EMAIL"])
    )
    policy = load_policy(path)
    clause = clause_containing(policy, "share the office PIN")
    assert policy.text[clause.start : clause.end] == clause.text
    assert clause.obligation == "MUST NOT"
    assert [s.heading for s in policy.sections][0] == "Mobile Phones"


def test_pdf_without_a_text_layer_is_refused_with_its_name(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(_tiny_pdf([]))
    with pytest.raises(KnowledgeError, match="scan.pdf"):
        load_policy(path)


def test_damaged_word_file_is_refused_with_its_name(tmp_path):
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(KnowledgeError, match="broken.docx"):
        load_policy(path)
