"""The semantic check kind with the real model, sentence splitting, the lexicon matcher and the
wider personal-data finders."""

from __future__ import annotations

import pytest

from bot.checking import Checker
from bot.config import DEFAULT_KNOWLEDGE_DIR
from bot.lexicon import LexiconMatcher
from bot.personal_data import PersonalData
from bot.rules import PublishedContacts, load_rulebook
from bot.semantic import split_units


@pytest.fixture(scope="module")
def checker(knowledge, embedder, cache_dir):
    return Checker(knowledge, load_rulebook(DEFAULT_KNOWLEDGE_DIR), embedder=embedder,
                   cache_dir=cache_dir)


def test_posts_are_split_into_sentences_with_exact_spans():
    text = "Bin day is Tuesday. Gates open at 7.30pm! 🎆 See you there\nThanks all"
    spans = split_units(text)
    assert [text[s:e] for s, e in spans] == [
        "Bin day is Tuesday.", "Gates open at 7.30pm!", "See you there"
    ]  # "Thanks all": two words are too few for the model to judge fairly


def test_a_semantic_finding_quotes_the_matching_sentence(checker):
    post = "Lovely turnout at the gala. Those people bring crime wherever they go, lock up."
    report = checker.check(post)
    assert report.verdict == "block"
    finding = next(f for f in report.findings if f.rule == "hostile-generalisation")
    assert post[finding.evidence.start : finding.evidence.end] == finding.evidence.text
    assert finding.evidence.text == "Those people bring crime wherever they go, lock up."


@pytest.mark.parametrize(
    "post",
    [
        "Welcome to Jess, our new receptionist at the Town Hall. Pop in and say hello!",
        "Please keep comments on this page polite. Thanks for sharing your views.",
        "Elections are on Thursday 1 May. The list of candidates is on our website.",
        "Summer holiday club for children aged 5-11 at the Youth Centre; book through the office.",
    ],
)
def test_clean_near_misses_pass(checker, post):
    assert checker.check(post).verdict == "ok"


def test_semantic_rules_embed_a_batch_in_one_model_call(knowledge, cache_dir):
    from tests.fakes import HashingEmbedder

    embedder = HashingEmbedder()
    checker = Checker(knowledge, load_rulebook(DEFAULT_KNOWLEDGE_DIR), embedder=embedder,
                      cache_dir=cache_dir)
    calls = embedder.calls
    checker.check_many(["Bin day is Tuesday.", "Fun day on Saturday. Free entry!", "Hello all"])
    assert embedder.calls == calls + 1


def test_the_checker_runs_its_word_rules_without_the_model(knowledge):
    checker = Checker(knowledge, load_rulebook(DEFAULT_KNOWLEDGE_DIR))
    assert checker.not_run  # the semantic rules need the model
    assert checker.check("Total cr4p").verdict == "block"


@pytest.mark.parametrize(
    "word, found",
    [("sh1tbags", True), ("b*llocks", True), ("shiiiit", True), ("bullsh!t", True),
     ("shiitake", False), ("Scunthorpe", False), ("Shitterton", False), ("assess", False)],
)
def test_the_lexicon_matcher_reads_disguised_words_and_leaves_real_ones(word, found):
    matcher = LexiconMatcher(["shit*", "bollock*", "bullshit*", "!shitake", "ass"])
    assert (matcher.search(word.lower()) is not None) is found


@pytest.mark.parametrize(
    "text, address",
    [
        ("The owner is Mr Davies of 22 Kingsway, if anyone knows him", "22 Kingsway"),
        ("The neighbours at 14 The Crescent again", "14 The Crescent"),
        ("Parcel for Flat 3, 7 Moss Lane", "Flat 3, 7 Moss Lane"),
        ("He lives at 9 Hollins, L34 6HD", "9 Hollins, L34 6HD"),
    ],
)
def test_home_addresses_are_found_without_a_street_word(text, address):
    span = PersonalData(PublishedContacts()).address(text)
    assert span and text[span[0] : span[1]] == address


@pytest.mark.parametrize(
    "text",
    ["Fun day on Sunday 8 December", "412 Residents took part", "Over 60 Volunteers helped",
     "The Community Hub at 10 Station Road opens at 9am", "Buses 10A and 89 are diverted"],
)
def test_dates_counts_and_venues_are_not_home_addresses(text):
    assert PersonalData(PublishedContacts()).address(text) is None


def test_a_residents_email_is_found_even_when_spelt_out():
    finder = PersonalData(PublishedContacts(domains=("knowsleytowncouncil.gov.uk",)))
    assert finder.email("email julie.h1972 at hotmail dot co dot uk")
    assert finder.email("email info@knowsleytowncouncil.gov.uk") is None
