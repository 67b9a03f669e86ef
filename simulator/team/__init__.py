"""The sales team: a Greeter and two specialists on livekit-agents, sharing one TeamContext."""
