"""Plain-text rendering of core results for the terminal (Slack has its own in slack/blocks.py)."""

from __future__ import annotations

import textwrap

from bot.models import Answer, PolicyDocument


def _indent_quote(text: str) -> str:
    lines = text.splitlines() or [""]
    return "\n".join(("  “" if i == 0 else "   ") + line for i, line in enumerate(lines)) + "”"


def answer_text(answer: Answer) -> str:
    out: list[str] = []
    if answer.status == "not_covered":
        out.append(answer.lead)
    else:
        first, *others = answer.quotes
        out.append(answer.lead)
        out.append("")
        out.append(_indent_quote(first.text))
        out.append(f"   ({answer.policy.title}, {first.place})")
        if others:
            out.append("")
            out.append("Also relevant:")
            for quote in others:
                out.append("")
                out.append(f"{quote.place}:")
                out.append(_indent_quote(quote.text))
    for notice in answer.notices:
        out.append("")
        out.append("Note: " + notice)
    return "\n".join(out)


def sections_text(policy: PolicyDocument) -> str:
    meta = policy.meta
    out = [f"{meta.title}  [{policy.source}]"]
    if meta.approved:
        out.append(f"Approved: {meta.approved:%d %B %Y}")
    if meta.review_due:
        out.append(f"Review due: {meta.review_due:%d %B %Y}")
    for section in policy.sections:
        out.append("")
        out.append(f"{section.number}. {section.heading}")
        for clause in policy.clauses:
            if clause.section != section.number:
                continue
            tag = f"[{clause.obligation}] " if clause.obligation else ""
            flat = " ".join(clause.text.split())
            out.append(
                textwrap.shorten(f"  - {tag}{flat}", width=110, placeholder=" …")
                + f"  ({clause.start}-{clause.end})"
            )
    return "\n".join(out)
