"""Error types whose message a person can act on: what failed and what to do next."""


class FinboardError(Exception):
    """Base of every error Finboard raises on purpose; str(e) is safe to show a person."""


class ConfigError(FinboardError):
    """Settings are missing, malformed or contradictory."""
