"""The sales team's voice: speech in and out for a session, chosen from the settings.

- :mod:`~simulator.voice.kit`: :class:`VoiceKit`, what a session needs to listen and speak
  (STT, VAD, one TTS per agent, and the audio devices when it runs locally).
- :mod:`~simulator.voice.cartesia`: Cartesia STT and TTS through ``livekit-plugins-cartesia``.
- :mod:`~simulator.voice.selection`: which voice a session gets (Cartesia, offline, or none).
- :mod:`~simulator.voice.audio_io`: livekit ``io.AudioInput``/``io.AudioOutput`` over any
  :class:`Microphone`/:class:`Speaker`; :mod:`~simulator.voice.devices` has the sounddevice ones.

Never imports Qt: a Qt microphone can implement :class:`Microphone` in the app.
"""

from simulator.voice.audio_io import Microphone, MicrophoneInput, Speaker, SpeakerOutput
from simulator.voice.kit import VoiceKit

__all__ = ["Microphone", "MicrophoneInput", "Speaker", "SpeakerOutput", "VoiceKit"]
