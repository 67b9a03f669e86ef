"""A rep's progress with each persona, kept on this computer between Rep-mode calls.

Practice pays off when you see it: every finished call with a persona adds an attempt (its
outcome and the counts of its scorecard) to ``practice-progress.json`` in the data dir, and the
faces chart the attempts. The file says how a person sells, so it is owner-only (0600, in a 0700
folder) and written atomically through a fresh temporary file beside it. A file that cannot be
read is never overwritten: it is moved aside (``…json.bad-<time>``) with a sentence naming both
files, and a new one starts.

Blocking (file I/O): async callers use ``asyncio.to_thread``.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from simulator.errors import SimulatorError
from simulator.events import PracticeAttempt, Scorecard

FILE_NAME = "practice-progress.json"
MAX_ATTEMPTS = 200
"""Attempts kept per persona (the oldest go first)."""


class ProgressError(SimulatorError):
    """The progress file cannot be written."""


class _File(BaseModel):
    model_config = ConfigDict(extra="ignore")

    version: int = 1
    personas: dict[str, list[PracticeAttempt]] = {}


def attempt_of(card: Scorecard, at: float | None = None) -> PracticeAttempt:
    """A finished Rep-mode scorecard as one attempt."""
    return PracticeAttempt(
        at=time.time() if at is None else at,
        outcome=card.outcome,
        objections_handled=card.objections_handled,
        objections=len(card.objections),
        facts_uncovered=card.facts_uncovered,
        facts=len(card.facts),
        claims_wrong=card.claims_wrong,
        claims_unfounded=card.claims_unfounded,
        claims=card.claims_checked,
    )


class PracticeProgress:
    """The progress file under ``data_dir``; see the module doc."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / FILE_NAME
        self.notice: str | None = None
        """What happened to an unreadable file, once (for the user)."""

    def attempts(self, persona: str) -> tuple[PracticeAttempt, ...]:
        return tuple(self._read().personas.get(persona, ()))

    def record(self, persona: str, attempt: PracticeAttempt) -> tuple[PracticeAttempt, ...]:
        """Add ``attempt`` for ``persona``; every attempt with it so far, this one last."""
        data = self._read()
        kept = [*data.personas.get(persona, []), attempt][-MAX_ATTEMPTS:]
        data.personas[persona] = kept
        self._write(data)
        return tuple(kept)

    def _read(self) -> _File:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return _File()
        except OSError as e:
            raise ProgressError(
                f"cannot read the practice progress file {self.path}: {e.strerror or e}"
            ) from e
        try:
            return _File.model_validate(json.loads(raw))
        except (ValueError, ValidationError):
            aside = self.path.with_name(f"{self.path.name}.bad-{int(time.time())}")
            try:
                os.replace(self.path, aside)
            except OSError as e:
                raise ProgressError(
                    f"the practice progress file {self.path} cannot be read, nor moved aside: "
                    f"{e.strerror or e}"
                ) from e
            self.notice = (
                f"The practice progress file {self.path} could not be read; it was kept as "
                f"{aside} and a new one was started."
            )
            return _File()

    def _write(self, data: _File) -> None:
        folder = self.path.parent
        tmp: str | None = None
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            with contextlib.suppress(OSError):  # a folder we do not own: the file is 0600 anyway
                os.chmod(folder, 0o700)
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=folder)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(data.model_dump_json(indent=1))
                f.write("\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
            tmp = None
        except OSError as e:
            raise ProgressError(
                f"cannot save the practice progress file {self.path}: {e.strerror or e}"
            ) from e
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
