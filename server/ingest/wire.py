"""A faster first look at an uploaded record: the rules of ``common.messages.RecordIn`` as
pydantic-core constraints, with no Python validator to call.

``RecordIn`` checks UUIDs, hex digits, times and texts with Python functions, called for every
field of every record (a third of a batch's reading time). Here the same rules are patterns and
lengths that pydantic-core checks itself, and the record comes out as a plain dict (no model to
dump). The patterns are narrower than ``RecordIn`` in a few rare corners (a UUID written as
``urn:…`` or with braces, a 29 February, a hex digest followed by a newline): whatever this
form refuses is judged again by ``RecordIn``, which decides and words the answer. So what is
accepted, and every refusal's message, stay exactly ``RecordIn``'s; this form only has to
accept nothing ``RecordIn`` refuses and give the same values for what both accept, which
``tests/server/test_ingest_wire.py`` checks over many generated values.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any, Literal, cast

from pydantic import ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError

from common.records import RULES, Rule

if sys.version_info >= (3, 12):
    from typing import TypedDict
else:  # pydantic reads typing's TypedDict only from Python 3.12 on
    from typing_extensions import TypedDict

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
"""The 8-4-4-4-12 form of a UUID, either case."""
HEX64_PATTERN = r"^[0-9a-f]{64}$"
_YEAR = r"(?:[0-9]{3}[1-9]|[0-9]{2}[1-9]0|[0-9][1-9]00|[1-9]000)"  # 0001-9999
_MONTH_DAY = (
    r"(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"  # every month has days 1-28
    r"|(?:0[13-9]|1[0-2])-(?:29|30)"  # all but February have 29 and 30
    r"|(?:0[13578]|1[02])-31)"  # the long months have 31
)
TIME_PATTERN = (
    rf"^{_YEAR}-{_MONTH_DAY}T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{{1,6}})?"
    r"(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$"
)
"""Times ``RecordIn`` takes, but for 29 February (left to it: only leap years have one)."""
NO_NUL_PATTERN = r"^[^\x00]*$"
"""Text without NUL; pydantic-core refuses lone surrogates itself (no UTF-8 form)."""


def _text(low: int | None, high: int | None) -> Any:
    return Annotated[
        str, StringConstraints(min_length=low, max_length=high, pattern=NO_NUL_PATTERN)
    ]


def _fast_type(rule: Rule) -> Any:
    """A record field's type as constraints only, from its :class:`~common.records.Rule`."""
    kind: Any
    if rule.type == "uuid":
        kind = Annotated[str, StringConstraints(pattern=UUID_PATTERN)]
    elif rule.type == "hex64":
        kind = Annotated[str, StringConstraints(pattern=HEX64_PATTERN)]
    elif rule.type == "time":
        kind = Annotated[str, StringConstraints(pattern=TIME_PATTERN)]
    elif rule.type == "enum":
        kind = Literal.__getitem__(rule.values)
    elif rule.type == "int":
        kind = Annotated[int, Field(ge=rule.low, le=rule.high)]
    elif rule.type == "text":
        kind = _text(rule.low, rule.high)
    else:
        item: Any = Literal.__getitem__(rule.values) if rule.values else _text(None, rule.item_max)
        kind = Annotated[list[item], Field(min_length=rule.low, max_length=rule.high)]
    return kind | None if rule.nullable else kind


_FastRecord: Any = cast(Any, TypedDict)(
    "_FastRecord", {name: _fast_type(rule) for name, rule in RULES.items()}
)
_FastRecord.__pydantic_config__ = ConfigDict(strict=True, extra="forbid")
_validate = TypeAdapter(_FastRecord).validator.validate_python


def quick_wire(raw: Any) -> dict[str, Any] | None:
    """The record's fields as ``RecordIn.model_validate(raw).model_dump()`` gives them, or
    None when ``RecordIn`` must judge it (it may still accept it)."""
    try:
        return cast(dict[str, Any], _validate(raw))
    except ValidationError:
        return None
