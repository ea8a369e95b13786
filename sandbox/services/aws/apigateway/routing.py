"""Which resource and method of a REST API answer a request path.

Resources are path templates: literal segments, `{name}` (one segment) and a final greedy `{name+}` (one or
more segments). Among the resources that define the request's method (or ANY), the most specific wins,
segment by segment: a literal beats a parameter, a parameter beats a greedy parameter; at equal
specificity an explicit method beats ANY. Trailing slashes are ignored, as API Gateway ignores them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sandbox.services.aws.bridge.apigateway import Method, Resource

_LITERAL, _PARAM, _GREEDY = 2, 1, 0


@dataclass(frozen=True)
class Route:
    resource: Resource
    method: Method
    path_params: dict[str, str]


def segments(path: str) -> list[str]:
    return [part for part in path.strip("/").split("/") if part != ""] if path.strip("/") else []


def match_template(template: str, path: str) -> tuple[tuple[int, ...], dict[str, str]] | None:
    """The specificity ranks and path parameters if `path` fits the resource `template`, else None."""
    parts = segments(template)
    actual = segments(path)
    ranks: list[int] = []
    params: dict[str, str] = {}
    for index, part in enumerate(parts):
        if part.startswith("{") and part.endswith("+}"):
            if index != len(parts) - 1 or len(actual) <= index:
                return None
            params[part[1:-2]] = "/".join(actual[index:])
            ranks.append(_GREEDY)
            return tuple(ranks), params
        if index >= len(actual):
            return None
        if part.startswith("{") and part.endswith("}"):
            params[part[1:-1]] = actual[index]
            ranks.append(_PARAM)
        elif part == actual[index]:
            ranks.append(_LITERAL)
        else:
            return None
    if len(actual) != len(parts):
        return None
    return tuple(ranks), params


def find_route(resources: Iterable[Resource], http_method: str, path: str) -> Route | None:
    best: tuple[tuple[int, ...], int] | None = None
    chosen: Route | None = None
    verb = http_method.upper()
    for resource in resources:
        method = resource.methods.get(verb)
        explicit = 1
        if method is None:
            method, explicit = resource.methods.get("ANY"), 0
        if method is None:
            continue
        fitted = match_template(resource.path, path)
        if fitted is None:
            continue
        ranks, params = fitted
        key = (ranks, explicit)
        if best is None or key > best:
            best, chosen = key, Route(resource, method, params)
    return chosen
