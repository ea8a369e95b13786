"""AWS_PROXY and AWS (non-proxy) Lambda integrations, with a fake runtime."""

from __future__ import annotations

import json
from typing import Any

from tests.unit.apigateway.conftest import Lab, lambda_uri


def proxy_api(lab: Lab, function: str = "fn") -> str:
    api_id, root = lab.api()
    items = lab.resource(api_id, root, "items")
    item = lab.resource(api_id, items, "{id}")
    proxy = lab.resource(api_id, root, "{proxy+}")
    for resource_id in (items, item, proxy):
        verb = "ANY" if resource_id == proxy else "POST" if resource_id == items else "GET"
        lab.method(
            api_id,
            resource_id,
            verb,
            {"type": "AWS_PROXY", "integrationHttpMethod": "POST", "uri": lambda_uri(function)},
        )
    lab.deploy(api_id, "dev", table="items-dev")
    return api_id


def echo(event: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": 200, "headers": {"X-Echo": "1"}, "body": json.dumps(event)}


def test_the_proxy_event_has_aws_shape(lab: Lab) -> None:
    lab.runtime.functions["fn"] = echo
    api_id = proxy_api(lab)
    reply = lab.call(
        "POST",
        api_id,
        "dev",
        "/items",
        headers={"Content-Type": "application/json", "User-Agent": "pytest", "X-Multi": "a"},
        query={"q": "1"},
        body='{"name": "x"}',
    )
    assert reply.status == 200, reply.body
    assert reply.headers["x-echo"] == "1"
    event = reply.json()
    assert set(event) == {
        "resource",
        "path",
        "httpMethod",
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "pathParameters",
        "stageVariables",
        "requestContext",
        "body",
        "isBase64Encoded",
    }
    assert event["resource"] == "/items" and event["path"] == "/items" and event["httpMethod"] == "POST"
    assert event["headers"]["Content-Type"] == "application/json"
    assert event["headers"]["User-Agent"] == "pytest"
    assert event["multiValueHeaders"]["X-Multi"] == ["a"]
    assert event["headers"]["X-Forwarded-For"] == "127.0.0.1"
    assert event["queryStringParameters"] == {"q": "1"}
    assert event["multiValueQueryStringParameters"] == {"q": ["1"]}
    assert event["pathParameters"] is None
    assert event["stageVariables"] == {"table": "items-dev"}
    assert event["body"] == '{"name": "x"}' and event["isBase64Encoded"] is False
    ctx = event["requestContext"]
    assert ctx["accountId"] == "000000000000" and ctx["apiId"] == api_id and ctx["stage"] == "dev"
    assert ctx["resourcePath"] == "/items" and ctx["httpMethod"] == "POST" and ctx["path"] == "/dev/items"
    assert ctx["protocol"] == "HTTP/1.1" and ctx["requestId"] == reply.headers["x-amzn-requestid"]
    assert ctx["identity"]["sourceIp"] == "127.0.0.1" and ctx["identity"]["userAgent"] == "pytest"
    assert isinstance(ctx["requestTimeEpoch"], int) and ctx["requestTime"].endswith("+0000")
    assert ctx["resourceId"]


def test_path_parameters_and_greedy_proxy(lab: Lab) -> None:
    lab.runtime.functions["fn"] = echo
    api_id = proxy_api(lab)
    item = lab.call("GET", api_id, "dev", "/items/42").json()
    assert item["resource"] == "/items/{id}" and item["pathParameters"] == {"id": "42"}
    anything = lab.call("DELETE", api_id, "dev", "/a/b/c", form="host").json()
    assert anything["resource"] == "/{proxy+}" and anything["pathParameters"] == {"proxy": "a/b/c"}
    assert anything["httpMethod"] == "DELETE" and anything["body"] is None


def test_a_throwing_function_or_a_malformed_answer_is_502(lab: Lab) -> None:
    def boom(event: Any) -> Any:
        raise ValueError("boom")

    lab.runtime.functions["fn"] = boom
    api_id = proxy_api(lab)
    reply = lab.call("GET", api_id, "dev", "/items/1")
    assert reply.status == 502
    assert reply.json() == {"message": "Internal server error"}
    assert reply.headers["x-amzn-errortype"] == "InternalServerErrorException"
    lab.runtime.functions["fn"] = lambda event: {"statusCode": 200, "body": {"not": "a string"}}
    assert lab.call("GET", api_id, "dev", "/items/1").status == 502


def test_a_missing_function_is_a_500(lab: Lab) -> None:
    api_id = proxy_api(lab, function="ghost")
    reply = lab.call("GET", api_id, "dev", "/items/1")
    assert reply.status == 500 and reply.json() == {"message": "Internal server error"}


def test_the_integration_timeout_is_504_and_follows_timeout_in_millis(lab: Lab) -> None:
    api_id, root = lab.api()
    lab.method(
        api_id,
        root,
        "GET",
        {
            "type": "AWS_PROXY",
            "integrationHttpMethod": "POST",
            "uri": lambda_uri("slow"),
            "timeoutInMillis": 100,
        },
    )
    lab.deploy(api_id)
    lab.runtime.functions["slow"] = lambda event: {"statusCode": 200}
    lab.runtime.delay_s = 0.5
    reply = lab.call("GET", api_id, "dev")
    assert reply.status == 504
    assert reply.json() == {"message": "Endpoint request timed out"}


def test_stage_variables_choose_the_function(lab: Lab) -> None:
    api_id, root = lab.api()
    uri = lambda_uri("${stageVariables.fn}")
    lab.method(api_id, root, "GET", {"type": "AWS_PROXY", "integrationHttpMethod": "POST", "uri": uri})
    lab.deploy(api_id, "dev", fn="dev-fn")
    lab.runtime.functions["dev-fn"] = lambda event: {"statusCode": 200, "body": "dev"}
    assert lab.call("GET", api_id, "dev").body == b"dev"


def non_proxy_api(lab: Lab) -> str:
    api_id, root = lab.api()
    users = lab.resource(api_id, root, "users")
    user = lab.resource(api_id, users, "{id}")
    request_template = (
        '{"id": "$input.params(\'id\')", "verbose": "$input.params(\'verbose\')", "stage": "$context.stage"}'
    )
    lab.method(
        api_id,
        user,
        "GET",
        {
            "type": "AWS",
            "integrationHttpMethod": "POST",
            "uri": lambda_uri("users"),
            "requestTemplates": {"application/json": request_template},
        },
    )
    lab.integration_response(
        api_id,
        user,
        "GET",
        "200",
        responseTemplates={
            "application/json": '{"user": $input.json(\'$.name\'), "id": "$input.path(\'$.id\')"}'
        },
    )
    lab.integration_response(
        api_id,
        user,
        "GET",
        "404",
        selectionPattern=".*Not Found.*",
        responseTemplates={
            "application/json": '{"error": "$util.escapeJavaScript($input.path(\'$.errorMessage\'))"}'
        },
    )
    lab.integration_response(api_id, user, "GET", "400", selectionPattern="Invalid.*")
    lab.deploy(api_id)
    return api_id


def users(event: dict[str, Any]) -> dict[str, Any]:
    if event["id"] == "0":
        raise LookupError("User Not Found: 0")
    if event["id"] == "x":
        raise ValueError("Invalid id x")
    return {"id": event["id"], "name": f"user-{event['id']}", "stage": event["stage"]}


def test_aws_non_proxy_maps_the_request_and_the_response(lab: Lab) -> None:
    lab.runtime.functions["users"] = users
    api_id = non_proxy_api(lab)
    reply = lab.call("GET", api_id, "dev", "/users/7", query={"verbose": "1"})
    assert reply.status == 200, reply.body
    assert reply.json() == {"user": "user-7", "id": "7"}
    assert lab.runtime.calls[-1] == ("users", {"id": "7", "verbose": "1", "stage": "dev"})


def test_aws_non_proxy_selection_pattern_maps_errors(lab: Lab) -> None:
    lab.runtime.functions["users"] = users
    api_id = non_proxy_api(lab)
    missing = lab.call("GET", api_id, "dev", "/users/0")
    assert missing.status == 404 and missing.json() == {"error": "User Not Found: 0"}
    invalid = lab.call("GET", api_id, "dev", "/users/x")
    assert invalid.status == 400
    assert json.loads(invalid.body)["errorMessage"] == "Invalid id x"  # no template: the error passes through
