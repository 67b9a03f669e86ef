"""Sales-training simulator: rehearse sales conversations with an AI sales team.

The core (this package minus ``simulator.app``) never imports Qt; the desktop app, the terminal
and the tests all drive a :class:`simulator.session.SessionRunner` and read its typed events.
"""

__version__ = "0.1.0"
