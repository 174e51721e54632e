"""checkpost core: verdicts, findings that quote the right clause verbatim, evasions caught,
ordinary words and place names left alone, account scoping, and bad input handled plainly."""

from __future__ import annotations

import pytest

from bot.checking import MAX_POST_CHARS, Checker
from bot.config import DEFAULT_KNOWLEDGE_DIR
from bot.errors import InputError
from bot.models import Report
from bot.post_evaluation import check_labelled, load_post_set, score_posts
from bot.rules import load_rulebook
from tests.conftest import DATA


@pytest.fixture(scope="module")
def checker(knowledge, embedder, cache_dir):
    return Checker(knowledge, load_rulebook(DEFAULT_KNOWLEDGE_DIR), embedder=embedder,
                   cache_dir=cache_dir)


def rules_fired(report: Report) -> set[str]:
    return {f.rule for f in report.findings}


# -- fairness: whole words only ----------------------------------------------------------------

@pytest.mark.parametrize(
    "post",
    [
        "Coach trip to Penistone Farmers Market and Clitheroe Castle on Tuesday.",
        "Good luck to the Vets who travel to Scunthorpe on Sunday.",
        "Civic reception for our twinning friends from Cockermouth.",
        "Walking group trip to Shitterton, then Bitchfield, then Twatt.",
        "Volunteers from Middlesex University; judges up from Sussex and Essex.",
    ],
)
def test_place_names_are_not_profane(checker, post):
    assert checker.check(post).verdict == "ok"


def test_penistone_is_not_profane(checker):
    assert checker.check("Seats left for Penistone market day").findings == []


def test_assess_class_and_shiitake_are_not_profane(checker):
    post = "We will assess all applications. New exercise class. Grow shiitake mushrooms."
    assert checker.check(post).verdict == "ok"


def test_great_tits_are_birds(checker):
    assert checker.check("Blue tits and great tits are nesting in Mill Wood").verdict == "ok"


# -- evasions ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "post, evidence",
    [
        ("The timetable is total cr4p", "cr4p"),
        ("that's a load of b*llocks mate", "b*llocks"),
        ("a complete ѕhіt show", "ѕhіt"),
        ("you are a t\u200bw\u200ba\u200bt.", "t\u200bw\u200ba\u200bt"),
        ("Well that was a s h i t e turnout", "s h i t e"),
        ("Absolute bóllocks", "bóllocks"),
        ("ｆｕｃｋ this weather", "ｆｕｃｋ"),
        ("is a w@nker", "w@nker"),
        ("Shiiiiit, rained off", "Shiiiiit"),
    ],
)
def test_disguised_swearing_is_blocked_and_quoted_as_written(checker, post, evidence):
    report = checker.check(post)
    assert report.verdict == "block"
    finding = next(f for f in report.findings if f.rule == "profanity")
    assert finding.evidence.text == evidence
    assert post[finding.evidence.start : finding.evidence.end] == evidence
    assert "Use offensive language" in finding.clause.text


# -- the report --------------------------------------------------------------------------------

def test_findings_quote_the_policy_and_the_post_verbatim(checker, policy):
    posts = [p for p in load_post_set(DATA / "posts.yml") if p.expect != "ok"]
    for post in posts:
        report = checker.check(post.text, post.account)
        for finding in report.findings:
            clause = finding.clause
            assert policy.text[clause.start : clause.end] == clause.text
            assert clause.source == policy.source and clause.section and clause.heading
            ev = finding.evidence
            assert post.text[ev.start : ev.end] == ev.text and ev.text.strip()


def test_verdict_is_the_worst_finding(checker):
    report = checker.check("Total cr4p. Sign the petition!")
    assert {f.severity for f in report.findings} == {"block", "review"}
    assert report.verdict == "block"
    assert report.findings[0].severity == "block"


def test_a_review_only_post_gets_review(checker):
    assert checker.check("Please sign the petition to save the library").verdict == "review"


def test_report_to_dict_has_the_documented_shape(checker):
    data = checker.check("Total cr4p, sign the petition").to_dict()
    assert data["verdict"] == "block"
    finding = data["findings"][0]
    assert set(finding) >= {"rule", "severity", "message", "advice", "escalate", "evidence",
                            "clause"}
    assert set(finding["evidence"]) == {"text", "start", "end"}
    assert set(finding["clause"]) == {"text", "start", "end", "source", "section", "heading"}
    assert data["checklist"] and {"note", "clause"} <= set(data["checklist"][0])


def test_escalation_comes_from_the_rule(checker):
    report = checker.check("Cllr Hodge has been fiddling his expenses for years")
    assert report.findings[0].escalate is True and report.escalate is True
    assert checker.check("Sign the petition").escalate is False


def test_every_report_carries_the_human_judgement_checklist(checker, policy):
    report = checker.check("Essex Road car park is closed for resurfacing")
    assert report.verdict == "ok"
    assert len(report.checklist) >= 4
    for item in report.checklist:
        assert policy.text[item.clause.start : item.clause.end] == item.clause.text


# -- personal data -----------------------------------------------------------------------------

def test_the_councils_published_contacts_are_allowed(checker):
    post = "Ring the office on 0151 496 0000 or email info@knowsleytowncouncil.gov.uk"
    assert checker.check(post).verdict == "ok"


def test_a_private_mobile_number_is_blocked_and_quoted(checker):
    post = "Text Phil on 07700 900123 after 6pm"
    finding = checker.check(post).findings[0]
    assert finding.rule == "contact-details" and finding.evidence.text == "07700 900123"
    assert "other than the contact details published" in " ".join(finding.clause.text.split())


def test_a_breach_under_two_clauses_quotes_both_once(checker):
    report = checker.check("Text Phil on 07700 900123 after 6pm")
    mine = [f for f in report.findings if f.rule == "contact-details"]
    quoted = [" ".join(f.clause.text.split()) for f in mine]
    assert len(mine) == 2 and len(set(quoted)) == 2
    assert "other than the contact details published" in quoted[0]  # the rule's own clause first
    assert "data protection" in quoted[1]
    assert mine[0].evidence == mine[1].evidence


def test_a_report_names_the_second_clause_without_repeating_the_finding(checker):
    from bot.render_report import report_text

    text = report_text(checker.check("Text Phil on 07700 900123 after 6pm"), checklist=False)
    assert text.count("It also falls under section 3") == 1
    assert text.count("07700 900123") == 1


def test_a_private_email_address_is_blocked(checker):
    assert checker.check("Email her at jo.bloggs@gmail.com").verdict == "block"


def test_a_home_address_is_blocked_as_data_protection(checker):
    report = checker.check("The owner is Mrs Smith, 14 Cherry Tree Close, L34 6HD.")
    finding = next(f for f in report.findings if f.rule == "home-address")
    assert finding.evidence.text == "14 Cherry Tree Close, L34 6HD"


def test_dates_prices_and_counts_are_not_phone_numbers(checker):
    post = "Tues 17 Sept 2024, £23,500 a year, 37 hrs/wk, 412 residents, buses 10A and 89"
    assert checker.check(post).verdict == "ok"


# -- account scoping ---------------------------------------------------------------------------

def test_party_politics_is_blocked_on_the_council_account_only(checker):
    post = "Vote Labour on Thursday #VoteLabour"
    assert checker.check(post, "council").verdict == "block"
    assert "political-campaigning" not in rules_fired(checker.check(post, "personal"))


def test_neutral_election_information_is_allowed(checker):
    post = "Polling stations open 7am-10pm on Thursday. Remember your photo ID to vote."
    assert checker.check(post, "council").verdict == "ok"


def test_council_business_from_a_personal_account_must_be_in_the_first_person(checker):
    post = "Knowsley Town Council will introduce parking charges from April."
    assert "speak-for-yourself" in rules_fired(checker.check(post, "personal"))
    assert "speak-for-yourself" not in rules_fired(checker.check(post, "council"))
    mine = "I voted for the Town Council's new parking plan. My own views."
    assert checker.check(mine, "personal").verdict == "ok"


def test_off_topic_personal_content_is_flagged_on_the_council_account_only(checker):
    post = "Happy birthday to my gorgeous hubby!! Love you loads xx"
    assert checker.check(post, "council").verdict == "review"
    assert checker.check(post, "personal").verdict == "ok"


def test_an_unknown_account_is_an_input_error(checker):
    with pytest.raises(InputError, match="council or personal"):
        checker.check("Hello", "facebook")


# -- links -------------------------------------------------------------------------------------

def test_a_link_shortener_is_flagged_and_never_fetched(checker):
    report = checker.check("Great offer 👉 bit.ly/3xKt9Qz")
    assert [f.rule for f in report.findings] == ["link-shortener"]
    assert report.findings[0].evidence.text == "bit.ly/3xKt9Qz"


@pytest.mark.parametrize("link", ["rb.gy/x7k2q", "tiny.cc/fete24"])
def test_shorteners_on_less_common_endings_are_recognised(checker, link):
    report = checker.check(f"Energy saving tips here {link}")
    assert "link-shortener" in [f.rule for f in report.findings]


def test_the_councils_own_site_and_gov_uk_need_no_reminder(checker):
    post = "Details at www.knowsleytowncouncil.gov.uk/plan and www.gov.uk/register-to-vote"
    assert checker.check(post).verdict == "ok"


# -- bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize("draft", ["", "   \n\t "])
def test_an_empty_draft_is_a_clear_error(checker, draft):
    with pytest.raises(InputError, match="empty"):
        checker.check(draft)


def test_a_huge_draft_is_a_clear_error(checker):
    with pytest.raises(InputError, match="characters"):
        checker.check("a" * 100_000)
    assert checker.check("word " * (MAX_POST_CHARS // 5)).verdict == "ok"


def test_binary_junk_is_a_clear_error(checker):
    junk = bytes(range(256)).decode("latin-1") * 4
    with pytest.raises(InputError, match="does not look like text"):
        checker.check(junk)


def test_an_emoji_only_draft_gets_an_ok_report_with_a_notice(checker):
    report = checker.check("🎆🎇✨")
    assert report.verdict == "ok"
    assert any("no words" in notice for notice in report.notices)


def test_a_draft_that_is_only_a_link_is_flagged_with_a_notice(checker):
    report = checker.check("https://tinyurl.com/abc123")
    assert report.verdict == "review"
    assert any("only a link" in notice for notice in report.notices)


def test_a_batch_with_bad_drafts_reports_the_others(checker):
    results = checker.check_many(["", "Bin day is Tuesday", "\x00\x01\x02\x03" * 10])
    assert isinstance(results[0], InputError) and isinstance(results[2], InputError)
    assert results[1].verdict == "ok"


# -- figures on the labelled sets do not regress -------------------------------------------------

class _CheckerService:
    def __init__(self, checker):
        self.check_many = checker.check_many


# (caught with the right clause, must-block blocked, clean flagged at most): measured figures
# less a small margin. posts.yml and posts-extra.yml are for development; the others were written
# separately, and all but posts-fresh7.yml have since been used to improve the rules
# (posts-fresh6.yml only for false alarms on clean posts).
POST_FLOORS = {
    "posts.yml": (0.97, 0.97, 0.03),
    "posts-extra.yml": (0.97, 0.97, 0.03),
    "posts-holdout.yml": (0.95, 0.95, 0.04),
    "posts-fresh.yml": (0.95, 0.95, 0.03),
    "posts-fresh2.yml": (0.92, 0.92, 0.03),
    "posts-fresh3.yml": (0.95, 0.95, 0.03),
    "posts-fresh4.yml": (0.95, 0.95, 0.03),
    "posts-fresh5.yml": (0.95, 0.95, 0.03),
    "posts-fresh6.yml": (0.72, 0.74, 0.03),
    "posts-fresh7.yml": (0.75, 0.79, 0.10),
}


@pytest.mark.parametrize("name", sorted(POST_FLOORS))
def test_labelled_set_figures_do_not_regress(checker, name):
    posts = load_post_set(DATA / name)
    assert len(posts) >= 40
    figures = score_posts(posts, check_labelled(_CheckerService(checker), posts)).as_dict()
    caught, blocked, flagged = POST_FLOORS[name]
    assert figures["caught_right_clause"] >= caught, figures
    assert figures["blocked"] >= blocked, figures
    assert figures["clean_flagged"] <= flagged, figures
