"""Providers at the edge: thin adapters that turn outside services into livekit-agents models."""
