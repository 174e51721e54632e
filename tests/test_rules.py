"""Rules load strictly, run their own examples, and cover every duty in sections 3 to 6."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.checking import Checker, example_misses
from bot.config import DEFAULT_KNOWLEDGE_DIR
from bot.detectors import PatternDetector
from bot.errors import RuleError
from bot.knowledge import load_knowledge
from bot.normalise import normalise
from bot.rules import load_rulebook

BUNDLED = load_rulebook(DEFAULT_KNOWLEDGE_DIR)
RULES = {rule.id: rule for rule in BUNDLED.rules}


@pytest.fixture(scope="module")
def checker(knowledge, embedder, cache_dir):
    return Checker(knowledge, load_rulebook(DEFAULT_KNOWLEDGE_DIR), embedder=embedder,
                   cache_dir=cache_dir)


def test_every_rule_has_examples_both_ways():
    for rule in BUNDLED.rules:
        assert rule.trigger_examples, f"{rule.id} has no trigger examples"
        assert rule.pass_examples, f"{rule.id} has no pass examples"


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_gets_its_own_examples_right(checker, rule_id):
    """Flags every trigger example and none of its pass examples (what `validate` reports)."""
    assert example_misses(checker, RULES[rule_id]) == []


def test_every_rule_anchor_resolves_to_a_clause_of_the_bundled_policy(checker):
    assert checker.unresolved == []
    assert all(checker.clauses.values())


def test_every_must_clause_in_sections_3_to_6_has_a_rule_or_is_on_the_checklist(checker, policy):
    covered = {ref.start for ref in checker.clauses.values() if ref}
    covered |= {item.clause.start for item, _ in checker.checklist}
    duties = [c for c in policy.clauses if c.section in {"3", "4", "5", "6"} and c.obligation]
    assert duties
    missing = [" ".join(c.text.split())[:70] for c in duties if c.start not in covered]
    assert missing == []


def test_checklist_quotes_are_verbatim(checker, policy):
    for item, _ in checker.checklist:
        assert policy.text[item.clause.start : item.clause.end] == item.clause.text


IDENTITY_TERMS = {
    "gay", "lesbian", "bisexual", "trans", "transgender", "queer", "black", "white", "asian",
    "jewish", "jew", "muslim", "islam", "christian", "hindu", "sikh", "gypsy", "gypsies",
    "traveller", "travellers", "roma", "irish", "polish", "romanian", "disabled", "deaf",
    "blind", "autistic", "immigrant", "immigrants", "refugee", "refugees", "foreigner",
    "foreigners", "woman", "women", "girl", "girls",
}


def test_no_lexicon_lists_an_identity_term():
    for name, words in BUNDLED.lexicons.items():
        listed = {w.lstrip("!").rstrip("*") for w in words}
        assert not listed & IDENTITY_TERMS, name


# -- strict loading --------------------------------------------------------------------------

GOOD_RULE = """
rules:
  - id: test-rule
    title: A test
    kind: pattern
    patterns: ["\\\\bzebra\\\\b"]
    severity: review
    clause: "Use offensive language"
    message: A message.
    advice: Some advice.
"""


def knowledge_with_rules(tmp_path: Path, text: str, name: str = "test.yml") -> Path:
    shutil.copytree(DEFAULT_KNOWLEDGE_DIR / "policies", tmp_path / "policies")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_a_good_rules_file_loads(tmp_path):
    book = load_rulebook(knowledge_with_rules(tmp_path, GOOD_RULE))
    assert [r.id for r in book.rules] == ["test-rule"]


@pytest.mark.parametrize(
    "change, words",
    [
        (("severity: review", "severity: urgent"), ["test-rule", "severity", "urgent"]),
        (("kind: pattern", "kind: magic"), ["test-rule", "kind", "magic"]),
        (("advice: Some advice.", "advice: Some advice.\n    colour: red"),
         ["test-rule", "colour"]),
        (('["\\\\bzebra\\\\b"]', '["(unclosed"]'), ["test-rule", "patterns", "(unclosed"]),
        (("    advice: Some advice.\n", ""), ["test-rule", "advice"]),
        (("id: test-rule", "id: Test Rule"), ["id"]),
        (("review\n", "review\n    accounts: [everyone]\n"), ["test-rule", "accounts", "everyone"]),
        (("review\n", "review\n    also_clauses: a phrase\n"), ["test-rule", "also_clauses"]),
    ],
)
def test_a_bad_rule_is_an_error_naming_the_file_the_rule_and_the_key(tmp_path, change, words):
    old, new = change
    assert old in GOOD_RULE
    folder = knowledge_with_rules(tmp_path, GOOD_RULE.replace(old, new, 1))
    with pytest.raises(RuleError) as error:
        load_rulebook(folder)
    message = str(error.value)
    assert "test.yml" in message
    for word in words:
        assert word in message


def test_malformed_yaml_is_an_error_naming_the_file(tmp_path):
    with pytest.raises(RuleError, match="broken.yml"):
        load_rulebook(knowledge_with_rules(tmp_path, "rules: [\n  - id: x", name="broken.yml"))


def test_a_missing_lexicon_is_an_error_naming_the_rule(tmp_path):
    text = GOOD_RULE.replace("kind: pattern", "kind: lexicon").replace(
        'patterns: ["\\\\bzebra\\\\b"]', "lexicon: nowhere.txt"
    )
    with pytest.raises(RuleError, match="test-rule.*nowhere.txt"):
        load_rulebook(knowledge_with_rules(tmp_path, text))


def test_two_rules_with_one_id_are_an_error(tmp_path):
    text = GOOD_RULE + GOOD_RULE.split("rules:\n", 1)[1]
    with pytest.raises(RuleError, match="already defined"):
        load_rulebook(knowledge_with_rules(tmp_path, text))


def test_an_empty_rules_folder_is_an_error(tmp_path):
    shutil.copytree(DEFAULT_KNOWLEDGE_DIR / "policies", tmp_path / "policies")
    (tmp_path / "rules").mkdir()
    with pytest.raises(RuleError, match="no rules files"):
        load_rulebook(tmp_path)


def test_a_rule_whose_anchor_matches_nothing_is_listed_and_still_runs(tmp_path):
    folder = knowledge_with_rules(
        tmp_path, GOOD_RULE.replace("Use offensive language", "zebra crossings must be striped")
    )
    checker = Checker(load_knowledge(folder), load_rulebook(folder))
    assert any("test-rule" in line for line in checker.unresolved)
    report = checker.check("A zebra on the village green")
    assert report.verdict == "review"
    assert report.findings[0].clause is None
    assert report.to_dict()["findings"][0]["unbacked"] is True
    assert any("no clause" in notice for notice in report.notices)


def test_an_anchor_not_in_the_policy_falls_back_to_a_similar_clause(tmp_path, knowledge):
    folder = knowledge_with_rules(
        tmp_path, GOOD_RULE.replace("Use offensive language", "never swear on social media")
    )
    offensive = knowledge.find_clause("Use offensive language")
    checker = Checker(load_knowledge(folder), load_rulebook(folder),
                      similar_clause=lambda anchor: offensive)
    assert checker.clauses["test-rule"].start == offensive.start
    assert checker.unresolved == [] and checker.similar


def test_validate_lists_rules_and_unresolved_anchors(tmp_path, settings):
    from bot.validation import validate_knowledge

    folder = knowledge_with_rules(
        tmp_path, GOOD_RULE.replace("Use offensive language", "zebra crossings must be striped")
    )
    report = validate_knowledge(settings.with_overrides(knowledge_dir=folder), load_model=False)
    text = "\n".join(report.lines)
    assert "1 post-checking rules" in text
    assert "test-rule" in text and "zebra crossings must be striped" in text
    assert "unbacked" in text


def test_validate_warns_about_a_rule_that_gets_its_own_examples_wrong(tmp_path, settings):
    from bot.validation import validate_knowledge

    rule = GOOD_RULE + """    examples:
      trigger: ["A zebra on the green", "A giraffe on the green"]
      pass: ["A zebra crossing is striped", "A horse on the green"]
"""
    folder = knowledge_with_rules(tmp_path, rule)
    report = validate_knowledge(settings.with_overrides(knowledge_dir=folder), load_model=False)
    warnings = [line for line in report.lines if line.startswith("warning: rule test-rule")]
    assert len(warnings) == 2
    assert "does not flag its example 'A giraffe on the green'" in warnings[0]
    assert "flags its clean example 'A zebra crossing is striped'" in warnings[1]


def test_validate_reports_a_broken_rules_file_as_a_problem(tmp_path, settings):
    from bot.validation import validate_knowledge

    folder = knowledge_with_rules(tmp_path, GOOD_RULE.replace("kind: pattern", "kind: magic"))
    report = validate_knowledge(settings.with_overrides(knowledge_dir=folder), load_model=False)
    assert not report.ok
    assert any("test.yml" in line and "magic" in line for line in report.lines)


SEMANTIC_RULE = """
rules:
  - id: precept-leak
    title: Precept news
    kind: semantic
    exemplars: ["the precept is going up next year"]
    gate: ["\\\\bprecept\\\\b"]
    threshold: 0.7
    severity: block
    clause: "Share, post or comment on Town Council matters until after any official"
    message: A message.
    advice: Some advice.
"""


def test_a_semantic_rule_compares_sentences_only_for_posts_through_its_gate(tmp_path):
    from tests.fakes import HashingEmbedder

    folder = knowledge_with_rules(tmp_path, SEMANTIC_RULE)
    embedder = HashingEmbedder()
    checker = Checker(load_knowledge(folder), load_rulebook(folder), embedder=embedder)
    calls = embedder.calls
    reports = checker.check_many(
        ["Bin day is Tuesday. Enjoy the sun.", "Hello all. The precept is going up next year!",
         "The precept was agreed at Full Council."]
    )
    assert embedder.calls == calls + 1  # one batch, for the two posts through the gate
    assert [r.verdict for r in reports] == ["ok", "block", "ok"]
    evidence = reports[1].findings[0].evidence
    assert evidence.text == "The precept is going up next year!"
    assert reports[1].findings[0].clause is not None


PATTERN_ON_THE_SAME_CLAUSE = """
  - id: precept-mention
    title: Greeting on a precept post
    kind: pattern
    patterns: ["\\\\bhello all\\\\b"]
    severity: {severity}
    clause: "Share, post or comment on Town Council matters until after any official"
    message: Another message.
    advice: Some advice.
"""


@pytest.mark.parametrize("severity, rules", [("review", ["precept-mention", "precept-leak"]),
                                             ("block", ["precept-mention"])])
def test_a_semantic_rule_is_silenced_only_by_a_finding_as_severe_on_its_clause(
    tmp_path, severity, rules
):
    from tests.fakes import HashingEmbedder

    text = SEMANTIC_RULE + PATTERN_ON_THE_SAME_CLAUSE.format(severity=severity)
    folder = knowledge_with_rules(tmp_path, text)
    checker = Checker(load_knowledge(folder), load_rulebook(folder), embedder=HashingEmbedder())
    report = checker.check("Hello all. The precept is going up next year!")
    assert sorted(f.rule for f in report.findings) == sorted(rules)
    assert report.verdict == "block"


SCREENED_RULE = GOOD_RULE.replace("kind: pattern", "kind: semantic").replace(
    'patterns: ["\\\\bzebra\\\\b"]', 'exemplars: ["A zebra on the council page."]\n    screen: 0.02'
)


def test_a_semantic_rule_may_set_its_own_screen(tmp_path):
    book = load_rulebook(knowledge_with_rules(tmp_path, SCREENED_RULE))
    assert book.rules[0].params["screen"] == 0.02


@pytest.mark.parametrize("value", ["2", "lots", "true"])
def test_a_screen_outside_minus_one_to_one_is_an_error(tmp_path, value):
    text = SCREENED_RULE.replace("screen: 0.02", f"screen: {value}")
    folder = knowledge_with_rules(tmp_path, text)
    with pytest.raises(RuleError, match="test-rule.*screen"):
        load_rulebook(folder)


def test_patterns_for_the_lower_case_post_need_no_case_folding_unless_they_have_capitals():
    import re

    from bot.normalise import for_folded

    assert not for_folded(r"\bvote\s+\w+\b").flags & re.I
    assert for_folded(r"\bVote Labour\b").search("vote labour")  # written with capitals: still ok
    assert not for_folded(r"\S+@\S+").flags & re.I  # escapes are not capitals


def test_a_pattern_is_only_skipped_when_its_text_cannot_match():
    """The quick substring test in front of each pattern never hides a match: checked on every
    rule's examples and every labelled post."""
    book = load_rulebook(DEFAULT_KNOWLEDGE_DIR)
    texts = [t for rule in book.rules for t in (*rule.trigger_examples, *rule.pass_examples)]
    for path in sorted((Path(__file__).parent / "data").glob("posts*.yml")):
        texts += [post["text"] for post in yaml.safe_load(path.read_text("utf-8"))["posts"]]
    folded = [normalise(text) for text in texts]
    checked = 0
    for rule in book.rules:
        if rule.kind != "pattern":
            continue
        for pattern, clues in PatternDetector(rule).patterns:
            if clues is None:
                continue
            for norm in folded:
                text = norm.cased if rule.params.get("case_sensitive") else norm.text
                if pattern.search(text):
                    checked += 1
                    assert any(clue in text for clue in clues), (rule.id, pattern.pattern)
    assert checked > 100
