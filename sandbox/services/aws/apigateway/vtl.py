"""Mapping templates: Velocity (via airspeed) with API Gateway's variables `$input`, `$util`, `$context` and
`$stageVariables`.

API Gateway's Velocity runs on Java, so values print the Java way: maps as `{a=1, b=2}`, lists as `[1, 2]`,
booleans as `true`; a path that matches nothing prints as nothing. JSON values handed to a template are
wrapped so that they print that way, and keep the Java methods templates call on them (`size()`, `keySet()`…).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, unquote_plus

import airspeed


class TemplateError(Exception):
    """A template that does not parse or fails while rendering (API Gateway answers 500)."""


class JavaBool:
    def __init__(self, value: bool) -> None:
        self.value = value

    def __bool__(self) -> bool:
        return self.value

    def __str__(self) -> str:
        return "true" if self.value else "false"

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        if isinstance(other, JavaBool):
            return self.value == other.value
        if isinstance(other, bool):
            return self.value == other
        if isinstance(other, str):
            return str(self) == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.value)


class VtlMap(dict[str, Any]):
    def __str__(self) -> str:
        return "{" + ", ".join(f"{k}={_text(v)}" for k, v in self.items()) + "}"

    __repr__ = __str__

    def size(self) -> int:
        return len(self)

    def isEmpty(self) -> bool:
        return not self

    def keySet(self) -> list[str]:
        return VtlList(self.keys())

    def containsKey(self, key: str) -> bool:
        return key in self

    def put(self, key: str, value: Any) -> Any:
        previous = self.get(key)
        self[key] = value
        return previous

    def putAll(self, values: Mapping[str, Any]) -> None:
        self.update(values)

    def toString(self) -> str:
        return str(self)


class VtlList(list[Any]):
    def __str__(self) -> str:
        return "[" + ", ".join(_text(v) for v in self) + "]"

    __repr__ = __str__

    def size(self) -> int:
        return len(self)

    def isEmpty(self) -> bool:
        return not self

    def get(self, index: int) -> Any:
        return self[index]

    def contains(self, value: Any) -> bool:
        return value in self

    def add(self, value: Any) -> bool:
        self.append(value)
        return True

    def toString(self) -> str:
        return str(self)


def _text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def wrap(value: Any) -> Any:
    """JSON-like data as templates should see it."""
    if isinstance(value, bool):
        return JavaBool(value)
    if isinstance(value, Mapping):
        return VtlMap({str(k): wrap(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return VtlList(wrap(v) for v in value)
    return value


def unwrap(value: Any) -> Any:
    if isinstance(value, JavaBool):
        return value.value
    if isinstance(value, Mapping):
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [unwrap(v) for v in value]
    return value


# Paths that can match several values: wildcards, deep scans, filters and slices.
_MANY = re.compile(r"\*|\.\.|\?\(|\[\s*-?\d*\s*:\s*-?\d*\s*(:\s*-?\d*\s*)?\]")


def json_path(data: Any, path: str) -> Any:
    """A JSONPath as `$input.path` reads it: one value, or a list where the path can match many."""
    expression = (path or "$").strip()
    if expression in ("$", "$."):
        return data
    from jsonpath_ng.ext import parse

    try:
        matches = [m.value for m in parse(expression).find(data)]
    except Exception as exc:  # jsonpath-ng raises several types for a bad path
        raise TemplateError(f"Invalid JSONPath {path!r}: {exc}") from None
    if _MANY.search(expression):
        return matches
    return matches[0] if matches else None


@dataclass
class Input:
    """`$input`: the request (or, in a response template, the integration's response) body and parameters."""

    body_text: str
    path_params: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def body(self) -> str:
        return self.body_text

    def _data(self) -> Any:
        if not self.body_text.strip():
            return {}
        try:
            return json.loads(self.body_text)
        except ValueError:
            raise TemplateError("Invalid JSON in the body for $input.path/$input.json") from None

    def path(self, expression: str) -> Any:
        value = json_path(self._data(), expression)
        return "" if value is None else wrap(value)

    def json(self, expression: str) -> str:
        return json.dumps(json_path(self._data(), expression), separators=(",", ":"), ensure_ascii=False)

    def params(self, name: str | None = None) -> Any:
        if name is None:
            return VtlMap(
                path=VtlMap(self.path_params), querystring=VtlMap(self.query), header=VtlMap(self.headers)
            )
        for source in (self.path_params, self.query):
            if name in source:
                return source[name]
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return ""


class Util:
    """`$util`."""

    def escapeJavaScript(self, value: Any) -> str:
        return escape_javascript("" if value is None else str(value))

    def parseJson(self, value: Any) -> Any:
        try:
            return wrap(json.loads(str(value)))
        except ValueError:
            raise TemplateError("Invalid JSON passed to $util.parseJson") from None

    def urlEncode(self, value: Any) -> str:
        return quote_plus(str(value), safe="*")

    def urlDecode(self, value: Any) -> str:
        return unquote_plus(str(value))

    def base64Encode(self, value: Any) -> str:
        return base64.b64encode(str(value).encode()).decode()

    def base64Decode(self, value: Any) -> str:
        return base64.b64decode(str(value)).decode("utf-8", "replace")


_JS_ESCAPES = {'"': '\\"', "'": "\\'", "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f"}
_JS_ESCAPES |= {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_javascript(text: str) -> str:
    """Java's StringEscapeUtils.escapeJavaScript, which API Gateway uses (it escapes `'` too)."""
    out = []
    for char in text:
        if char in _JS_ESCAPES:
            out.append(_JS_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) > 0x7E:
            out.append(f"\\u{ord(char):04X}" if ord(char) <= 0xFFFF else _surrogates(char))
        else:
            out.append(char)
    return "".join(out)


def _surrogates(char: str) -> str:
    encoded = char.encode("utf-16-be")
    return "".join(f"\\u{int.from_bytes(encoded[i : i + 2], 'big'):04X}" for i in (0, 2))


@dataclass
class Rendered:
    text: str
    # `#set($context.responseOverride.status = 4xx)` and `…header.Name`, as response templates may do.
    status_override: int | None = None
    header_overrides: dict[str, str] = field(default_factory=dict)


def render(
    template: str,
    *,
    input: Input,
    context: Mapping[str, Any],
    stage_variables: Mapping[str, str] | None = None,
) -> Rendered:
    ctx = wrap(context)
    override = VtlMap(status=None, header=VtlMap())
    ctx["responseOverride"] = override
    namespace = {
        "input": input,
        "util": Util(),
        "context": ctx,
        "stageVariables": VtlMap(stage_variables or {}),
    }
    try:
        text = airspeed.Template(template).merge(namespace)
    except TemplateError:
        raise
    except Exception as exc:  # airspeed's syntax and execution errors, and whatever a call raised
        raise TemplateError(str(exc)) from None
    status = override.get("status")
    headers = {str(k): str(v) for k, v in _items(override.get("header"))}
    try:
        status_code = int(str(status)) if status not in (None, "") else None
    except ValueError:
        status_code = None
    return Rendered(text=text, status_override=status_code, header_overrides=headers)


def _items(value: Any) -> Iterable[tuple[Any, Any]]:
    return value.items() if isinstance(value, Mapping) else ()
