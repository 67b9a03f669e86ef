"""The operator's PIN is kept only as a salted hash, and checked in constant time."""

from __future__ import annotations

import pytest

from simulator.operator_pin import PinError, check_new_pin, hash_pin, pin_matches


def test_a_pin_is_stored_as_a_salted_hash_that_only_it_matches() -> None:
    first, second = hash_pin("2468"), hash_pin("2468")
    assert "2468" not in first and first != second  # salted
    assert first.startswith("scrypt$")
    assert pin_matches("2468", first) and pin_matches(" 2468 ", second)
    assert not pin_matches("2469", first) and not pin_matches("", first)


@pytest.mark.parametrize("stored", [None, "", "plain-2468", "scrypt$1$2$3$!!$!!", "md5$a$b$c$d$e"])
def test_a_missing_or_damaged_hash_matches_nothing(stored: str | None) -> None:
    assert not pin_matches("2468", stored)


@pytest.mark.parametrize(("pin", "problem"), [("12", "at least 4"), ("9" * 33, "at most 32")])
def test_a_pin_too_short_or_too_long_is_refused_saying_why(pin: str, problem: str) -> None:
    with pytest.raises(PinError, match=problem):
        check_new_pin(pin)
