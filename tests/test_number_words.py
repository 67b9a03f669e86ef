"""Numbers in words are read one way by every reader: the claim check, the offline team's
objection answers and the fact matcher's stop-words."""

from __future__ import annotations

import pytest

from simulator import number_words
from simulator.facts import attributes
from simulator.providers.offline.objections import quantities, with_digits
from simulator.statements import find_statements


@pytest.mark.parametrize(
    ("phrase", "value"),
    [
        ("twenty-four", 24),
        ("four hundred and ten thousand", 410_000),
        ("ninety-nine point nine five", 99.95),
        ("a thousand", 1_000),
        ("two million", 2_000_000),
        ("about forty sensors", 40),
        ("no figure here", None),
    ],
)
def test_a_phrase_says_one_number(phrase: str, value: float | None) -> None:
    assert number_words.parse(phrase) == value


def test_a_run_of_number_words_is_found_whole() -> None:
    runs = [m.group(0) for m in number_words.RUN.finditer("Sixty-three and four hundred and ten")]
    assert runs == ["Sixty-three and four hundred and ten"]
    assert [m.group(0) for m in number_words.RUN.finditer("uptime of ninety-nine point nine")] == [
        "ninety-nine point nine"
    ]


def test_every_reader_reads_the_same_number() -> None:
    text = "forty-two sensors at ninety-nine point nine percent"
    assert sorted(s.amount for s in find_statements(text) if s.amount is not None) == [42, 99.9]
    assert quantities(text) == {42.0, 99.9}
    assert with_digits(text) == "42 sensors at 99.9 percent"
    counted = "forty-two sensors and two hundred gateways"
    assert attributes.words(counted) == attributes.words("sensors and gateways")
