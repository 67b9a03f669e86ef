"""The controls of a replay: play and pause, the speed, a scrub bar and how far it has got.

A view over a :class:`~simulator.app.replay.ReplayPlayer`: it asks the player to play, pause,
change speed or jump, and shows the player's position ("turn 4 of 9 · 01:12 of 03:40").
Dragging the scrub bar previews where it will land and jumps when released.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

from simulator.app.replay import ReplayPlayer

SPEEDS = (0.5, 1.0, 2.0, 4.0, 10.0)


def clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


class ReplayBar(QFrame):
    def __init__(self, player: ReplayPlayer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self.player = player
        self._start_at = 0.0
        self._end_at = 0.0
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 6, 12, 6)
        row.setSpacing(10)
        title = QLabel("REPLAY")
        title.setObjectName("panelTitle")
        row.addWidget(title)
        self.play_button = QPushButton("▶ Play")
        self.play_button.setObjectName("primary")
        self.play_button.clicked.connect(self.toggle)
        row.addWidget(self.play_button)
        self.speed = QComboBox()
        for speed in SPEEDS:
            self.speed.addItem(f"{speed:g}×", speed)
        self.speed.setToolTip("How much faster than it happened")
        self.speed.currentIndexChanged.connect(self._on_speed)
        row.addWidget(self.speed)
        self.scrub = QSlider(Qt.Orientation.Horizontal)
        self.scrub.setToolTip("Drag to any moment of the session")
        self.scrub.sliderMoved.connect(self._preview)
        self.scrub.sliderReleased.connect(self._jump)
        self.scrub.actionTriggered.connect(self._on_action)
        row.addWidget(self.scrub, 1)
        self.progress = QLabel()
        self.progress.setObjectName("muted")
        row.addWidget(self.progress)
        self.choose_speed(player.speed)
        player.progressed.connect(self._on_progress)
        player.started.connect(lambda: self.play_button.setText("❚❚ Pause"))
        player.paused.connect(lambda: self.play_button.setText("▶ Play"))
        player.finished.connect(lambda: self.play_button.setText("▶ Play again"))

    def set_times(self, start_at: float, end_at: float) -> None:
        """The recording's first and last event times, for the clock."""
        self._start_at, self._end_at = start_at, end_at
        self.scrub.setRange(0, self.player.total)
        self._on_progress(self.player.position, self.player.total)

    def choose_speed(self, speed: float) -> None:
        index = self.speed.findData(speed)
        if index < 0:
            self.speed.addItem(f"{speed:g}×", speed)
            index = self.speed.count() - 1
        self.speed.setCurrentIndex(index)

    def toggle(self) -> None:
        if self.player.playing:
            self.player.pause()
        else:
            self.player.play()

    def _on_speed(self, index: int) -> None:
        speed = self.speed.itemData(index)
        if speed:
            self.player.set_speed(float(speed))

    def _on_progress(self, position: int, total: int) -> None:
        if not self.scrub.isSliderDown():
            self.scrub.blockSignals(True)
            self.scrub.setRange(0, total)
            self.scrub.setValue(position)
            self.scrub.blockSignals(False)
        self.progress.setText(self._where(position, total))

    def _where(self, position: int, total: int) -> str:
        at = self.player.time_at(position)
        elapsed = at - self._start_at if at is not None else 0.0
        return (
            f"event {position:,} of {total:,} · "
            f"{clock(elapsed)} of {clock(self._end_at - self._start_at)}"
        )

    def _preview(self, value: int) -> None:
        self.progress.setText(self._where(value, self.player.total))

    def _jump(self) -> None:
        self.player.seek(self.scrub.value())

    def _on_action(self, _action: int) -> None:
        # A click on the groove or a key press moves the slider without a drag: jump there too.
        if not self.scrub.isSliderDown():
            self.player.seek(self.scrub.sliderPosition())
