"""Typed custom attributes (text, number, bool, date, choice): definitions and validation."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, get_args

import phonenumbers

from dmdesk.domain.errors import Invalid

AttributeType = Literal["text", "number", "bool", "date", "choice"]
ATTRIBUTE_TYPES: tuple[str, ...] = get_args(AttributeType)
KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
TEXT_MAX = 2000
TRUE_WORDS = {"true", "yes", "1", "y", "on"}
FALSE_WORDS = {"false", "no", "0", "n", "off"}


@dataclass(frozen=True)
class AttributeSpec:
    key: str
    label: str
    type: str
    choices: tuple[str, ...] = ()
    required: bool = False
    group: str = "custom"
    extra: dict[str, Any] = field(default_factory=dict)


# Qualification fields a workspace starts with; admins may redefine them.
DEFAULT_QUALIFICATION = (
    AttributeSpec("need", "Need", "text", group="qualification"),
    AttributeSpec("budget", "Budget", "number", group="qualification"),
    AttributeSpec(
        "timeline",
        "Timeline",
        "choice",
        ("now", "this_month", "this_quarter", "later"),
        group="qualification",
    ),
)


def check_spec(spec: AttributeSpec) -> AttributeSpec:
    """Refuse a malformed definition before it is stored."""
    if not KEY.match(spec.key):
        raise Invalid("keys are lowercase letters, digits and _ (start with a letter)", field="key")
    if spec.type not in ATTRIBUTE_TYPES:
        raise Invalid(f"type must be one of {', '.join(ATTRIBUTE_TYPES)}", field="type")
    if spec.type == "choice" and not spec.choices:
        raise Invalid("a choice attribute needs at least one choice", field="choices")
    if spec.type != "choice" and spec.choices:
        raise Invalid("only choice attributes have choices", field="choices")
    return spec


def _number(spec: AttributeSpec, raw: Any) -> float | int:
    if isinstance(raw, bool):
        raise Invalid(f"{spec.key} must be a number", field=spec.key)
    if isinstance(raw, int | float):
        return raw
    try:
        value = float(str(raw).strip().replace(",", ""))
    except ValueError:
        raise Invalid(f"{spec.key} must be a number", field=spec.key) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise Invalid(f"{spec.key} must be a finite number", field=spec.key)
    return int(value) if value.is_integer() else value


def _bool(spec: AttributeSpec, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise Invalid(f"{spec.key} must be true or false", field=spec.key)


def _date(spec: AttributeSpec, raw: Any) -> str:
    try:
        return date.fromisoformat(str(raw).strip()).isoformat()
    except ValueError:
        raise Invalid(f"{spec.key} must be a date (YYYY-MM-DD)", field=spec.key) from None


def validate_value(spec: AttributeSpec, raw: Any) -> Any:
    """The JSON value to store for `raw`, or Invalid naming the attribute."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if spec.required:
            raise Invalid(f"{spec.key} is required", field=spec.key)
        return None
    if spec.type == "number":
        return _number(spec, raw)
    if spec.type == "bool":
        return _bool(spec, raw)
    if spec.type == "date":
        return _date(spec, raw)
    text = str(raw).strip()
    if spec.type == "choice" and text not in spec.choices:
        raise Invalid(f"{spec.key} must be one of {', '.join(spec.choices)}", field=spec.key)
    if len(text) > TEXT_MAX:
        raise Invalid(f"{spec.key} is longer than {TEXT_MAX} characters", field=spec.key)
    return text


def validate_values(specs: dict[str, AttributeSpec], values: dict[str, Any]) -> dict[str, Any]:
    """Validate every given value; unknown keys are refused, None clears a value."""
    out: dict[str, Any] = {}
    for key, raw in values.items():
        spec = specs.get(key)
        if spec is None:
            raise Invalid(f"unknown attribute {key!r}", field=key)
        out[key] = validate_value(spec, raw)
    return out


def to_e164(raw: str | None, *, region: str | None = None) -> str | None:
    """A phone number in E.164, or None when it does not parse as a valid number."""
    if not raw:
        return None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
