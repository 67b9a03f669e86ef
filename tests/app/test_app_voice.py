"""Voice from the window: hold to talk and the team hears you and answers aloud; no microphone (or
``--voice off``) leaves the customer typing, with a notice, never a crash.

Only the outside world is replaced: Cartesia by a server on 127.0.0.1 that speaks its TTS and STT
websockets (so the real plugin runs), the microphone and speakers by simulated devices.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import Qt

from simulator.events import TranscriptEvent, TurnCompletedEvent
from simulator.host.audio import AudioDevices
from simulator.settings import Settings
from tests.app.conftest import WindowFactory
from tests.app.gui import TURN_TIMEOUT_MS, ServerThread, events_of, say, start
from tests.fakes.audio_devices import RecordingSpeaker, SimulatedMicrophone
from tests.fakes.cartesia_server import CartesiaServer

pytestmark = pytest.mark.slow

KEY = "cartesia-test-key"


class Ears:
    """Listens to the simulated microphone's raw audio (before the app's push-to-talk gate), so the
    test knows when a line has gone through the hardware."""

    def __init__(self, microphone: SimulatedMicrophone) -> None:
        self.microphone = microphone
        self.loud_frames = 0
        self.quiet_since_loud = 0

    @property
    def sample_rate(self) -> int:
        return self.microphone.sample_rate

    async def frames(self) -> Any:
        async for frame in self.microphone.frames():
            if np.abs(np.frombuffer(frame.data, dtype=np.int16)).max() > 0:
                self.loud_frames, self.quiet_since_loud = self.loud_frames + 1, 0
            else:
                self.quiet_since_loud += 1
            yield frame

    def finished_a_line(self) -> bool:
        return self.loud_frames > 0 and self.quiet_since_loud >= 10


def heard(window: Any) -> list[str]:
    return [e.text for e in events_of(window, TranscriptEvent) if e.speaker == "customer"]


def test_hold_to_talk_is_heard_and_the_reply_is_spoken(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings
) -> None:
    microphone, speaker = SimulatedMicrophone(), RecordingSpeaker()
    with ServerThread(CartesiaServer, api_key=KEY, turn_end_silence_s=0.4) as cartesia:
        settings = offline_settings.replace(
            cartesia_api_key=KEY, cartesia_base_url=cartesia.base_url
        )
        ears = Ears(microphone)
        window = start(qtbot, make_window(settings, audio=lambda: AudioDevices(ears, speaker)))
        qtbot.waitUntil(lambda: window.composer.talk_button.isEnabled(), timeout=TURN_TIMEOUT_MS)
        assert "Cartesia" in window.composer.talk_button.toolTip()
        assert window.status.voice_label.text() == "● Voice: cartesia"
        assert window.composer.open_mic_button.isVisible()

        # speech while the button is up is not heard: the microphone is gated
        microphone.say("Nobody should hear this line.")
        qtbot.waitUntil(ears.finished_a_line, timeout=TURN_TIMEOUT_MS)  # all of it went through

        qtbot.mousePress(window.composer.talk_button, Qt.MouseButton.LeftButton)
        assert window.composer.talking and "Listening" in window.composer.talk_button.text()
        microphone.say("How much does the Professional plan cost per sensor?")
        with qtbot.waitSignal(
            window.feed.event_received,
            timeout=TURN_TIMEOUT_MS,
            check_params_cb=lambda e: isinstance(e, TurnCompletedEvent),
        ):
            qtbot.waitUntil(lambda: heard(window) != [], timeout=TURN_TIMEOUT_MS)
            qtbot.mouseRelease(window.composer.talk_button, Qt.MouseButton.LeftButton)
        assert heard(window) == ["How much does the Professional plan cost per sensor?"]
        assert window.transcript.messages()[0] == ("customer", heard(window)[0])
        assert window.transcript.messages()[-1][0] == "pricing"
        qtbot.waitUntil(lambda: speaker.heard() != [], timeout=TURN_TIMEOUT_MS)
        first_sentence = window.transcript.messages()[-1][1].split(". ")[0]
        qtbot.waitUntil(
            lambda: first_sentence in " ".join(speaker.heard()), timeout=TURN_TIMEOUT_MS
        )
        assert not window.composer.talking

        # typing still works beside the voice
        say(qtbot, window, "Thanks, that helps.")
        assert heard(window)[-1] == "Thanks, that helps."
        assert [t.transcript for t in cartesia.stt_turns] == [
            "How much does the Professional plan cost per sensor?"
        ]


def test_no_microphone_means_typing_with_a_notice(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings
) -> None:
    no_devices = AudioDevices(
        notices=["No audio devices (PortAudio library not found): type your lines instead."]
    )
    window = start(
        qtbot,
        make_window(offline_settings.replace(cartesia_api_key=KEY), audio=lambda: no_devices),
    )
    qtbot.waitUntil(lambda: window.bridge.capabilities is not None, timeout=TURN_TIMEOUT_MS)
    assert (
        not window.composer.talk_button.isEnabled()
        and not window.composer.open_mic_button.isVisible()
    )
    assert "PortAudio library not found" in window.composer.talk_button.toolTip()
    assert window.status.voice_label.text() == "Text only"
    assert "PortAudio" in window.status.voice_label.toolTip()
    say(qtbot, window, "Do you have the gateway in stock?")
    assert window.transcript.messages()[0] == ("customer", "Do you have the gateway in stock?")


def test_a_broken_audio_stack_or_voice_off_never_stops_the_app(
    qtbot: Any, make_window: WindowFactory, offline_settings: Settings
) -> None:
    def broken() -> AudioDevices:
        raise OSError("the sound server went away")

    window = start(qtbot, make_window(offline_settings.replace(cartesia_api_key=KEY), audio=broken))
    qtbot.waitUntil(lambda: window.bridge.capabilities is not None, timeout=TURN_TIMEOUT_MS)
    assert "the sound server went away" in window.composer.talk_button.toolTip()
    say(qtbot, window, "Hello")

    opened: list[bool] = []
    off = start(
        qtbot,
        make_window(
            offline_settings.replace(cartesia_api_key=KEY, voice_mode="off"),
            audio=lambda: opened.append(True) or AudioDevices(SimulatedMicrophone()),
        ),
    )
    qtbot.waitUntil(lambda: off.bridge.capabilities is not None, timeout=TURN_TIMEOUT_MS)
    assert opened == [] and not off.composer.talk_button.isEnabled()
    assert "--voice off" in off.composer.talk_button.toolTip()
