"""Error types whose message a person can act on: what failed and what to do next."""

from pathlib import Path


class FinboardError(Exception):
    """Base of every error Finboard raises on purpose; str(e) is safe to show a person."""


class ConfigError(FinboardError):
    """Settings are missing, malformed or contradictory."""


def path_problem(path: Path, reason: str) -> str:
    """Why `path` cannot be written, in words: DuckDB's or the OS's `reason` ("Permission denied"), unless a
    file stands where a directory of the path should be (the OS only says "File exists" or "Not a directory")."""
    for parent in path.parents:
        if parent.exists():
            return reason if parent.is_dir() else f"{parent} is a file, not a directory"
    return reason
