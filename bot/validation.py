"""`policybot validate`: everything a council changed loads, and every clause is verbatim.

Also loads the model and builds the embedding cache, so the first question after set-up is fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.config import Settings
from bot.errors import PolicyBotError
from bot.knowledge import load_knowledge


@dataclass
class ValidationReport:
    lines: list[str] = field(default_factory=list)
    ok: bool = True

    def problem(self, text: str) -> None:
        self.ok = False
        self.lines.append("PROBLEM: " + text)

    def warn(self, text: str) -> None:
        self.lines.append("warning: " + text)


def validate_knowledge(settings: Settings, load_model: bool = True) -> ValidationReport:
    report = ValidationReport()
    try:
        knowledge = load_knowledge(settings.knowledge_dir)
    except PolicyBotError as exc:
        report.problem(str(exc))
        return report
    for policy in knowledge.policies:
        quotable = [*policy.facts, *policy.clauses]
        bad = [c.id for c in quotable if policy.text[c.start : c.end] != c.text]
        if bad:
            report.problem(f"{policy.source}: clauses not verbatim: {', '.join(bad)}")
        meta = policy.meta
        report.lines.append(
            f"ok: {policy.source}: '{meta.title}', {len(policy.sections)} sections, "
            f"{len(policy.clauses)} clauses, all verbatim"
            + (f"; approved {meta.approved}" if meta.approved else "")
            + (f"; review due {meta.review_due}" if meta.review_due else "")
        )
    phrased = sum(len(v) for v in knowledge.phrasings.values())
    report.lines.append(f"ok: {phrased} curated phrasings for {len(knowledge.phrasings)} clauses")
    for anchor in knowledge.unresolved_anchors:
        report.warn(f"phrasing anchor matches no clause, so it is not used: {anchor}")
    checker = None
    if load_model:
        try:
            from bot.service import PolicyService

            service = PolicyService.from_settings(settings)
            report.lines.append(
                f"ok: model {service.embedder.name} loaded; "
                f"{len(service.retriever.views)} passages indexed"
            )
            checker = service.checker
        except PolicyBotError as exc:
            report.problem(str(exc))
    _report_rules(report, knowledge, checker)
    return report


def _report_rules(report: ValidationReport, knowledge, checker) -> None:
    """Rules for checking posts: how many loaded, and any anchor that no clause backs."""
    from bot.checking import Checker, example_misses
    from bot.rules import load_rulebook, rules_folder

    if checker is None:
        try:  # without the model: exact anchors only, no fallback to a similar clause
            checker = Checker(knowledge, load_rulebook(knowledge.directory))
        except PolicyBotError as exc:
            report.problem(str(exc))
            return
    book = checker.book
    report.lines.append(
        f"ok: {len(book.rules)} post-checking rules from {len(book.files)} files in "
        f"{rules_folder(knowledge.directory)}; {len(checker.checklist)} checklist items"
    )
    for line in checker.similar:
        report.warn(f"rule anchor not in the policy word for word; using a similar clause: {line}")
    for line in checker.unresolved:
        report.warn(f"rule anchor matches no clause; the rule still runs, unbacked: {line}")
    # A rule that gets its own examples wrong was probably mis-edited.
    misses = [f"rule {rule.id} {miss}"
              for rule in book.rules for miss in example_misses(checker, rule)]
    for miss in misses:
        report.warn(miss)
    if not misses:
        report.lines.append("ok: every rule flags its trigger examples and passes its clean ones")
