"""Stand-ins for the outside world that speak its real wire protocol on 127.0.0.1."""
