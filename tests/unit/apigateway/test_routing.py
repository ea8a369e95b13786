"""Resource matching: literal over `{param}` over `{proxy+}`, explicit method over ANY."""

from __future__ import annotations

import pytest

from sandbox.services.aws.apigateway.routing import find_route
from sandbox.services.aws.bridge.apigateway import Method, Resource


def resource(path: str, *methods: str) -> Resource:
    return Resource(id=path, path=path, methods={m: Method(http_method=m) for m in methods})


RESOURCES = [
    resource("/", "GET"),
    resource("/pets", "GET", "POST"),
    resource("/pets/{id}", "GET", "DELETE"),
    resource("/pets/mine", "GET"),
    resource("/pets/{id}/toys/{toy}", "ANY"),
    resource("/files/{path+}", "GET"),
    resource("/{proxy+}", "ANY"),
]


@pytest.mark.parametrize(
    ("method", "path", "resource_path", "params"),
    [
        ("GET", "/", "/", {}),
        ("GET", "/pets", "/pets", {}),
        ("GET", "/pets/", "/pets", {}),
        ("GET", "/pets/7", "/pets/{id}", {"id": "7"}),
        ("GET", "/pets/mine", "/pets/mine", {}),
        ("DELETE", "/pets/mine", "/pets/{id}", {"id": "mine"}),
        ("PATCH", "/pets/7/toys/ball", "/pets/{id}/toys/{toy}", {"id": "7", "toy": "ball"}),
        ("GET", "/files/a/b/c.txt", "/files/{path+}", {"path": "a/b/c.txt"}),
        ("PUT", "/pets/7", "/{proxy+}", {"proxy": "pets/7"}),
        ("GET", "/anything/else", "/{proxy+}", {"proxy": "anything/else"}),
        ("POST", "/files/x", "/{proxy+}", {"proxy": "files/x"}),
    ],
)
def test_most_specific_match(method: str, path: str, resource_path: str, params: dict[str, str]) -> None:
    route = find_route(RESOURCES, method, path)
    assert route is not None
    assert route.resource.path == resource_path
    assert route.path_params == params


def test_no_match() -> None:
    plain = [resource("/", "GET"), resource("/pets", "GET"), resource("/files/{p+}", "GET")]
    assert find_route(plain, "POST", "/pets") is None
    assert find_route(plain, "GET", "/owners") is None
    assert find_route(plain, "GET", "/files") is None  # a greedy parameter needs at least one segment
    assert find_route(plain, "POST", "/") is None


def test_explicit_method_beats_any_on_the_same_resource() -> None:
    both = Resource(id="r", path="/x", methods={"ANY": Method("ANY"), "GET": Method("GET")})
    route = find_route([both], "GET", "/x")
    assert route is not None and route.method.http_method == "GET"
    route = find_route([both], "PUT", "/x")
    assert route is not None and route.method.http_method == "ANY"
