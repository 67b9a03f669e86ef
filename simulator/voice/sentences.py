"""Text to the TTS a sentence at a time, each sentence sent the moment it ends.

livekit's default sentence tokenizer (blingfire) sends a sentence only once the next one has
begun: it needs the following words to be sure the sentence ended. Our replies reach the TTS
through the fallback's sentence gate (:mod:`simulator.providers.fallback`), which releases whole
sentences only, so the next sentence's first words came when that sentence ended too: the first
sentence waited for the second to be written (35-46 ms in the bench, on the customer's clock).
:class:`WholeSentences` sends every sentence as soon as its end has arrived (the stop and the
space after it, or a line break); words after the last sentence end wait for the next one, or for
the end of the reply. Splitting at an abbreviation ("e.g. ") costs nothing: the TTS continues
one context across the pieces.
"""

from __future__ import annotations

import re

from livekit.agents.tokenize import blingfire, tokenizer
from livekit.agents.utils import shortuuid

SENTENCE_END = re.compile(r"""[.!?…:;]["'”’)\]]*\s+|\n""")
"""A sentence's end: the same rule as the fallback's sentence gate."""


class WholeSentences(tokenizer.SentenceTokenizer):
    """blingfire's sentences for whole texts; in a stream, each sentence as soon as it ends."""

    def __init__(self) -> None:
        self._whole = blingfire.SentenceTokenizer()

    def tokenize(self, text: str, *, language: str | None = None) -> list[str]:
        return self._whole.tokenize(text, language=language)

    def stream(self, *, language: str | None = None) -> tokenizer.SentenceStream:
        return _SentenceStream()


class _SentenceStream(tokenizer.SentenceStream):
    def __init__(self) -> None:
        super().__init__()
        self._held = ""
        self._segment = shortuuid()

    def push_text(self, text: str) -> None:
        self._check_not_closed()
        held = self._held + text
        cut = 0
        for match in SENTENCE_END.finditer(held):
            cut = match.end()
        self._held = held[cut:]
        self._send(held[:cut])

    def flush(self) -> None:
        self._check_not_closed()
        held, self._held = self._held, ""
        self._send(held)
        self._segment = shortuuid()

    def end_input(self) -> None:
        self.flush()
        self._do_close()

    async def aclose(self) -> None:
        self._do_close()

    def _send(self, text: str) -> None:
        text = " ".join(text.split())
        if text:
            self._event_ch.send_nowait(tokenizer.TokenData(segment_id=self._segment, token=text))
