"""Request validation the way Plaid answers malformed input: MISSING_FIELDS, UNKNOWN_FIELDS, INVALID_FIELD."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from core.emulator.errors import invalid_field, missing_fields, unknown_fields


@dataclass(frozen=True)
class Field:
    kind: str  # str, int, number, bool, date, object, list, any
    required: bool = False
    fields: dict[str, Field] | None = None  # object members (unknown members of nested objects are tolerated)
    items: Field | None = None  # list items
    low: int | None = None
    high: int | None = None
    choices: tuple[str, ...] = ()
    nullable: bool = False


def req(kind: str, **kw: Any) -> Field:
    return Field(kind, True, **kw)


def opt(kind: str, **kw: Any) -> Field:
    return Field(kind, False, **kw)


_CREDENTIALS = {"client_id": opt("str"), "secret": opt("str")}


@dataclass(frozen=True)
class Schema:
    """A request body: its members; `ignored` are members Plaid accepts that the emulator does not act on."""

    fields: dict[str, Field]
    ignored: tuple[str, ...] = ()
    all_fields: dict[str, Field] = field(init=False)

    def __post_init__(self) -> None:
        merged = {**_CREDENTIALS, **{n: opt("any") for n in self.ignored}, **self.fields}
        object.__setattr__(self, "all_fields", merged)

    def validate(self, body: object) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise invalid_field("request body must be a JSON object")
        unknown = sorted(set(body) - set(self.all_fields))
        if unknown:
            raise unknown_fields(unknown)
        _check_object(body, self.all_fields, "")
        return body


def _check_object(value: dict[str, Any], fields: dict[str, Field], prefix: str) -> None:
    missing = [prefix + n for n, f in fields.items() if f.required and value.get(n) is None]
    if missing:
        raise missing_fields(missing)
    for name, f in fields.items():
        if name in value:
            _check(value[name], f, prefix + name)


def _check(value: object, f: Field, path: str) -> None:
    if value is None:
        if f.nullable or not f.required:
            return
        raise invalid_field(f"{path} must not be null")
    kind = f.kind
    if kind == "any":
        return
    if kind == "str" or kind == "date":
        if not isinstance(value, str):
            raise invalid_field(f"{path} must be a string")
        if kind == "date":
            try:
                date.fromisoformat(value)
            except ValueError:
                raise invalid_field(f"{path} must be a date in YYYY-MM-DD format") from None
        if f.choices and value not in f.choices:
            raise invalid_field(f"{path} must be one of: {', '.join(f.choices)}")
        if f.required and not value:
            raise invalid_field(f"{path} must be a non-empty string")
    elif kind == "bool":
        if not isinstance(value, bool):
            raise invalid_field(f"{path} must be a boolean")
    elif kind in ("int", "number"):
        ok = isinstance(value, int) or (kind == "number" and isinstance(value, float))
        if isinstance(value, bool) or not ok:
            raise invalid_field(f"{path} must be {'an integer' if kind == 'int' else 'a number'}")
        assert isinstance(value, int | float)
        if (f.low is not None and value < f.low) or (f.high is not None and value > f.high):
            raise invalid_field(f"{path} must be between {f.low} and {f.high}")
    elif kind == "list":
        if not isinstance(value, list):
            raise invalid_field(f"{path} must be an array")
        if f.required and not value:
            raise invalid_field(f"{path} must not be empty")
        if f.high is not None and len(value) > f.high:
            raise invalid_field(f"{path} must contain at most {f.high} items")
        if f.items is not None:
            for i, v in enumerate(value):
                _check(
                    v,
                    Field(
                        f.items.kind, True, f.items.fields, f.items.items, f.items.low, f.items.high, f.items.choices
                    ),
                    f"{path}[{i}]",
                )
    elif kind == "object":
        if not isinstance(value, dict):
            raise invalid_field(f"{path} must be an object")
        if f.fields:
            _check_object(value, f.fields, path + ".")
    else:
        raise AssertionError(f"unknown field kind {kind}")
