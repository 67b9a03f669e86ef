"""The TTS gets each sentence of a reply the moment it ends (issue 14: spoken overhead).

livekit's default tokenizer held a sentence until the next one began; behind the fallback's
sentence gate that meant until the next one ended. Nothing is timed here: the order in which
text is released is the behaviour (the time it saves is measured by ``python -m bench``).
"""

from __future__ import annotations

from livekit.agents.tokenize import tokenizer

from simulator.voice.sentences import WholeSentences


def released(stream: tokenizer.SentenceStream) -> list[str]:
    """What the stream has handed on so far (the TTS plugin reads the same channel)."""
    channel = stream._event_ch
    tokens = []
    while not channel.empty():
        tokens.append(channel.recv_nowait().token)
    return tokens


async def test_a_sentence_goes_to_the_tts_as_soon_as_it_ends() -> None:
    stream = WholeSentences().stream()
    stream.push_text("The CT-200 reads minus one hundred degrees")
    assert released(stream) == []  # not ended yet
    stream.push_text(". ")
    assert released(stream) == ["The CT-200 reads minus one hundred degrees."]
    stream.push_text("It runs four years! Setup takes a day.\n")
    assert released(stream) == ["It runs four years! Setup takes a day."]
    stream.push_text("Anything ")
    stream.push_text("else")
    assert released(stream) == []
    stream.end_input()
    assert released(stream) == ["Anything else"]
    assert stream.closed


async def test_a_number_or_a_stop_without_a_space_is_not_an_end() -> None:
    stream = WholeSentences().stream()
    stream.push_text("It costs 3.")
    stream.push_text("5 dollars a month.")
    assert released(stream) == []  # "3." then "5": one number; the end needs what follows
    stream.flush()
    assert released(stream) == ["It costs 3.5 dollars a month."]


def test_whole_texts_split_as_livekit_splits_them() -> None:
    assert WholeSentences().tokenize("Hello there, how are you today? I am fine, thank you.") == [
        "Hello there, how are you today?",
        "I am fine, thank you.",
    ]
