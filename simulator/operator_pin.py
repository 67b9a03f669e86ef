"""The booth operator's PIN, stored only as a salted scrypt hash.

Demo mode locks Settings, sessions and quitting behind a PIN the operator chooses. The settings
file is owner-only, but a booth laptop is handled by many people, so the PIN itself is never
written anywhere: :func:`hash_pin` keeps ``scrypt$n$r$p$salt$digest`` and :func:`pin_matches`
compares in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from simulator.errors import SimulatorError

MIN_LENGTH = 4
MAX_LENGTH = 32
_N, _R, _P = 2**14, 8, 1
"""scrypt's cost: about 50 ms on a laptop, and 16 MiB of memory per guess."""


class PinError(SimulatorError):
    """A PIN that cannot be used (too short, too long, or not set)."""


def check_new_pin(pin: str) -> str:
    """The PIN as it will be stored, or :class:`PinError` saying what is wrong with it."""
    pin = pin.strip()
    if len(pin) < MIN_LENGTH:
        raise PinError(f"the operator PIN needs at least {MIN_LENGTH} characters")
    if len(pin) > MAX_LENGTH:
        raise PinError(f"the operator PIN can have at most {MAX_LENGTH} characters")
    return pin


def hash_pin(pin: str) -> str:
    pin = check_new_pin(pin)
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return "$".join(("scrypt", str(_N), str(_R), str(_P), _b64(salt), _b64(digest)))


def pin_matches(pin: str, stored: str | None) -> bool:
    """``True`` if ``pin`` is the one hashed in ``stored`` (never for an unreadable hash)."""
    if not stored:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            pin.strip().encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
