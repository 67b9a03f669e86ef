"""The desktop app: a thin Qt view over the session runner's events.

One :class:`~simulator.app.bridge.SessionBridge` runs the core on a background asyncio thread and
re-emits every event as a Qt signal on the GUI thread; an :class:`~simulator.app.feed.EventFeed`
folds them into a :class:`~simulator.conversation.Conversation`; each widget takes the feed in its
constructor and renders what it needs. Widgets never call the network or the core directly.
"""
