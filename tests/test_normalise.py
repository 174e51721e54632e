"""Folding a post for matching undoes evasions, and every folded character maps back."""

from __future__ import annotations

import pytest

from bot.normalise import fold_char, normalise


def folded(text: str) -> str:
    return normalise(text).text


def test_cyrillic_look_alike_letters_read_as_latin():
    assert folded("Pаrking is a ѕhіt show") == "parking is a shit show"


def test_accents_and_case_are_folded():
    assert folded("Absolute BÓLLOCKS") == "absolute bollocks"


def test_fancy_and_full_width_letters_read_as_plain_letters():
    assert folded("ｆｕｃｋ 𝓯𝓾𝓬𝓴") == "fuck fuck"


def test_curly_quotes_and_apostrophes_read_as_plain_ones():
    assert folded("you’d better ‘read’ the “post”") == "you'd better 'read' the \"post\""


def test_zero_width_characters_are_dropped():
    assert folded("t\u200bw\u200ba\u200bt and so\u00adft") == "twat and soft"


def test_letters_spaced_out_are_joined_and_remembered():
    norm = normalise("that was a s h i t e turnout")
    assert "shite" in norm.text
    start, end = norm.joined[0]
    assert norm.text[start:end].endswith("shite")


def test_short_runs_of_single_letters_are_left_alone():
    assert folded("Plan A or B, I a m") == "plan a or b, i a m"


def test_spaced_out_phone_digits_are_joined():
    assert "07700900123" in folded("ring 0 7 7 0 0  9 0 0 1 2 3 after 6pm")


def test_digits_and_prices_are_kept():
    assert folded("£23,500 for 37 hrs/wk, 0151 489 6000") == "£23,500 for 37 hrs/wk, 0151 489 6000"


def test_emoji_stay_as_they_are():
    assert fold_char("🎆") == "🎆"


@pytest.mark.parametrize(
    "post, word",
    [
        ("you are a t\u200bw\u200ba\u200bt.", "t\u200bw\u200ba\u200bt"),
        ("Absolute bo\u0301llocks here", "bo\u0301llocks"),
        ("a complete ѕhіt show", "ѕhіt"),
        ("was a s h i t e turnout", "s h i t e"),
    ],
)
def test_spans_map_back_to_the_post_as_written(post, word):
    norm = normalise(post)
    target = {"t\u200bw\u200ba\u200bt": "twat", "bo\u0301llocks": "bollocks", "ѕhіt": "shit",
              "s h i t e": "shite"}[word]
    start = norm.text.index(target)
    first, last = norm.span(start, start + len(target))
    assert post[first:last] == word


def test_every_folded_character_comes_from_the_original_character():
    post = "Ｈello Wörld ѕhіt 🎆 t\u200bo\u200bp s h i t e"
    norm = normalise(post)
    assert len(norm.index) == len(norm.text)
    for n, char in enumerate(norm.text):
        assert char in fold_char(post[norm.index[n]]).lower()
