"""Plain-text rendering of a draft-post Report for the terminal."""

from __future__ import annotations

import textwrap

from bot.models import Report

VERDICTS = {
    "ok": "OK to post: no problems found.",
    "review": "CHECK BEFORE POSTING: fix these points, or get the post checked.",
    "block": "DO NOT POST: this breaks the policy.",
}


def report_text(report: Report, checklist: bool = True) -> str:
    out = [VERDICTS[report.verdict]]
    for n, (finding, also) in enumerate(report.grouped_findings(), start=1):
        out.append("")
        out.append(f"{n}. [{finding.severity.upper()}] {finding.title}: “{finding.evidence.text}”")
        out.extend(_wrap(finding.message, "   "))
        out.extend(_wrap("What to do: " + finding.advice, "   "))
        if finding.escalate:
            out.append("   Tell the Town Manager about this.")
        if finding.clause:
            c = finding.clause
            out.append(f"   The policy, section {c.section} ({c.heading}):")
            out.extend(_wrap("“" + " ".join(c.text.split()) + "”", "     "))
        else:
            out.append("   (No clause of the loaded policy backs this rule.)")
        for c in also:  # the same breach under another clause: just quote that one
            out.append(f"   It also falls under section {c.section} ({c.heading}):")
            out.extend(_wrap("“" + " ".join(c.text.split()) + "”", "     "))
    for notice in report.notices:
        out.append("")
        out.append("Note: " + notice)
    if checklist and report.checklist:
        out.append("")
        out.append("Also check for yourself:")
        for item in report.checklist:
            out.append(f"  [ ] {item.note} (section {item.clause.section})")
    return "\n".join(out)


def _wrap(text: str, indent: str) -> list[str]:
    lines = textwrap.wrap(text, width=96, initial_indent=indent, subsequent_indent=indent)
    return lines or [indent]
