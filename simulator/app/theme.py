"""How the app looks: fonts, colours and one style sheet, scaled up for a booth screen.

Qt's wheels ship no fonts, so the app asks for DejaVu (installed by ``scripts/setup.sh``) and
falls back to whatever the system has. Agent colours come from :mod:`simulator.palette`, shared
with the HTML report.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QPainter, QPaintEvent
from PySide6.QtWidgets import QApplication, QLabel, QSizePolicy, QWidget

from simulator.palette import speaker_colour, speaker_tint

INK = "#0f172a"
MUTED = "#475569"
FAINT = "#94a3b8"
LINE = "#e2e8f0"
SURFACE = "#ffffff"
BACKGROUND = "#f1f5f9"
HEADER = "#0f172a"
FAST = "#15803d"
OK = "#a16207"
SLOW = "#b91c1c"
WARNING_BG = "#fef3c7"
WARNING_INK = "#78350f"
ERROR_BG = "#fee2e2"
ERROR_INK = "#7f1d1d"
INFO_BG = "#e0f2fe"
INFO_INK = "#0c4a6e"

BASE_POINT_SIZE = 10.5
DEMO_SCALE = 1.45


def colour(speaker: str) -> QColor:
    return QColor(speaker_colour(speaker))


def tint(speaker: str) -> QColor:
    return QColor(speaker_tint(speaker))


def latency_colour(ms: float) -> str:
    """Green under a second (conversational), amber under two, red beyond."""
    return FAST if ms < 1000 else OK if ms < 2000 else SLOW


def apply_theme(app: QApplication, *, scale: float = 1.0) -> None:
    """The app-wide font and style sheet; ``scale`` > 1 for demo mode's large type."""
    families = set(QFontDatabase.families())
    family = next(
        (f for f in ("DejaVu Sans", "Noto Sans", "Liberation Sans", "Arial") if f in families), None
    )
    font = QFont(family) if family else app.font()
    font.setPointSizeF(BASE_POINT_SIZE * scale)
    app.setFont(font)
    app.setStyle("Fusion")
    app.setStyleSheet(style_sheet(scale))


_STYLED: dict[int, Callable[[], None]] = {}
"""How to set again each live widget's own style sheet that has font sizes (:func:`pt`)."""


def styled(
    widget: QWidget, style: Callable[[], str], then: Callable[[], None] | None = None
) -> None:
    """Give ``widget`` the style sheet ``style()`` (which uses :func:`pt`) now, and again whenever
    the scale changes (demo mode switched on or off while the app runs); ``then`` runs after
    each, for what follows from the font (a minimum width)."""

    def apply() -> None:
        widget.setStyleSheet(style())
        if then is not None:
            then()

    key = id(widget)
    if key not in _STYLED:
        widget.destroyed.connect(lambda _object=None, key=key: _STYLED.pop(key, None))
    _STYLED[key] = apply
    apply()


def scale_of(app: QApplication) -> float:
    return app.font().pointSizeF() / BASE_POINT_SIZE


def set_scale(app: QApplication, scale: float) -> bool:
    """The whole running app in another scale at once: its font and style sheet, and every
    widget's own style sheet given by :func:`styled`. ``False`` if it already was."""
    if abs(scale_of(app) - scale) < 0.01:
        return False
    apply_theme(app, scale=scale)
    for apply in list(_STYLED.values()):
        apply()
    return True


def style_sheet(scale: float = 1.0) -> str:
    def pt(size: float) -> str:
        return f"{size * scale:.1f}pt"

    return f"""
    QMainWindow, QDialog {{ background: {BACKGROUND}; }}
    QWidget {{ color: {INK}; }}
    QFrame#panel {{ background: {SURFACE}; border: 1px solid {LINE}; border-radius: 8px; }}
    QLabel#panelTitle {{ font-weight: bold; color: {MUTED}; font-size: {pt(9)};
                         }}
    QLabel#muted {{ color: {MUTED}; }}
    QFrame#header {{ background: {HEADER}; }}
    QFrame#header QLabel {{ color: #f8fafc; }}
    QLabel#appTitle {{ font-size: {pt(15)}; font-weight: bold; }}
    QLabel#headerNote {{ color: #cbd5e1; }}
    QPushButton {{ padding: 6px 14px; border-radius: 6px; border: 1px solid #cbd5e1;
                   background: {SURFACE}; }}
    QPushButton:hover {{ background: #f8fafc; border-color: {FAINT}; }}
    QPushButton:disabled {{ color: {FAINT}; background: #f8fafc; border-color: {LINE}; }}
    QPushButton#primary {{ background: #2563eb; color: white; border: none; font-weight: bold; }}
    QPushButton#primary:hover {{ background: #1d4ed8; }}
    QPushButton#primary:disabled {{ background: #93c5fd; color: #eff6ff; }}
    QPushButton#newConversation {{ background: #f8fafc; color: {INK}; border: none;
                                   font-weight: bold;
                                   font-size: {pt(11)}; padding: 8px 18px; }}
    QPushButton#newConversation:hover {{ background: #e2e8f0; }}
    QLineEdit, QPlainTextEdit, QTextEdit {{ background: {SURFACE};
        border: 1px solid #cbd5e1; border-radius: 6px; padding: 5px 8px; }}
    QLineEdit:focus, QPlainTextEdit:focus {{ border: 2px solid #2563eb; }}
    QComboBox QLineEdit, QComboBox QLineEdit:focus {{ border: none; padding: 0; }}
    QLineEdit#composer {{ font-size: {pt(12)}; padding: 9px 12px; }}
    QStatusBar {{ background: {SURFACE}; border-top: 1px solid {LINE}; }}
    QStatusBar QLabel {{ padding: 0 8px; }}
    QScrollArea {{ border: none; background: transparent; }}
    QWidget#qt_scrollarea_viewport {{ background: transparent; }}
    QWidget#transcriptContent {{ background: #f8fafc; }}
    QWidget#cardsContent {{ background: {SURFACE}; }}
    QTableWidget {{ background: {SURFACE}; border: none; gridline-color: {LINE}; }}
    QHeaderView::section {{ background: #f8fafc; border: none; border-bottom: 1px solid {LINE};
                            padding: 4px 6px; color: {MUTED}; font-weight: bold; }}
    QToolTip {{ color: {INK}; background: #fffbeb; border: 1px solid #fcd34d; padding: 4px; }}
    QSplitter::handle {{ background: {BACKGROUND}; }}
    """


def pt(size: float) -> str:
    """A style-sheet font size that follows the app's scale (demo mode enlarges everything)."""
    app = QApplication.instance()
    scale = 1.0
    if isinstance(app, QApplication):
        scale = max(0.5, app.font().pointSizeF() / BASE_POINT_SIZE)
    return f"{size * scale:.1f}pt"


def wrapped_label(text: str = "", *, object_name: str = "") -> QLabel:
    """A label for text we did not write (model replies, documents): plain text, never markup,
    wrapped, and as tall as its wrapped text at any width (height-for-width kept on)."""
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    policy.setHeightForWidth(True)
    label.setSizePolicy(policy)
    if object_name:
        label.setObjectName(object_name)
    label.setText(text)
    return label


class ElidedLabel(QLabel):
    """One line that never makes its column wider: cut with "…" to the width it is given, the
    whole text in its tooltip (the status bar's long warnings, a persona's long status)."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setTextFormat(Qt.TextFormat.PlainText)

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text)

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def shown_text(self) -> str:
        """The text as painted at the current width."""
        return self.fontMetrics().elidedText(
            self.text(), Qt.TextElideMode.ElideRight, max(0, self.contentsRect().width())
        )

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        self.style().drawItemText(
            painter,
            self.contentsRect(),
            int(self.alignment()) | int(Qt.AlignmentFlag.AlignVCenter),
            self.palette(),
            self.isEnabled(),
            self.shown_text(),
            self.foregroundRole(),
        )
        painter.end()
