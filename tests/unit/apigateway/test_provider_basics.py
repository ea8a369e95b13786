"""The execute-api pipeline end to end over moto's state: invoke URL forms, routing errors, MOCK and CORS."""

from __future__ import annotations

import json

import pytest

from tests.unit.apigateway.conftest import Lab

CORS_HEADERS = {
    "method.response.header.Access-Control-Allow-Origin": "'*'",
    "method.response.header.Access-Control-Allow-Methods": "'GET,OPTIONS'",
    "method.response.header.Access-Control-Allow-Headers": "'Content-Type,X-Api-Key'",
}


def mock_api(lab: Lab) -> str:
    api_id, root = lab.api()
    lab.method(
        api_id, root, "GET", {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}}
    )
    lab.integration_response(
        api_id, root, "GET", "200", responseTemplates={"application/json": '{"hello": "$context.stage"}'}
    )
    lab.method(
        api_id,
        root,
        "OPTIONS",
        {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}},
    )
    lab.client.put_method_response(
        restApiId=api_id,
        resourceId=root,
        httpMethod="OPTIONS",
        statusCode="200",
        responseParameters={k: False for k in CORS_HEADERS},
    )
    lab.client.put_integration_response(
        restApiId=api_id,
        resourceId=root,
        httpMethod="OPTIONS",
        statusCode="200",
        responseParameters=CORS_HEADERS,
    )
    lab.deploy(api_id)
    return api_id


@pytest.mark.parametrize("form", ["restapis", "host", "aws"])
def test_mock_200_through_every_invoke_url_form(lab: Lab, form: str) -> None:
    api_id = mock_api(lab)
    reply = lab.call("GET", api_id, "dev", "/", form=form)
    assert reply.status == 200, reply.body
    assert reply.json() == {"hello": "dev"}
    assert reply.headers["content-type"] == "application/json"
    assert reply.headers["x-amzn-requestid"] and reply.headers["x-amz-apigw-id"]


def test_cors_preflight_answers_from_the_mock(lab: Lab) -> None:
    api_id = mock_api(lab)
    reply = lab.call(
        "OPTIONS", api_id, "dev", "/", headers={"Origin": "http://x", "Access-Control-Request-Method": "GET"}
    )
    assert reply.status == 200
    assert reply.headers["access-control-allow-origin"] == "*"
    assert reply.headers["access-control-allow-methods"] == "GET,OPTIONS"
    assert reply.body == b""


@pytest.mark.parametrize(
    ("method", "stage", "path"), [("GET", "prod", "/"), ("GET", "dev", "/nope"), ("DELETE", "dev", "/")]
)
def test_unknown_stage_route_or_method_is_missing_authentication_token(
    lab: Lab, method: str, stage: str, path: str
) -> None:
    api_id = mock_api(lab)
    reply = lab.call(method, api_id, stage, path)
    assert reply.status == 403
    assert reply.json() == {"message": "Missing Authentication Token"}
    assert reply.headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    assert reply.headers["x-amzn-requestid"]


def test_unknown_api_id_is_forbidden(lab: Lab) -> None:
    reply = lab.call("GET", "nosuchapi", "dev", "/")
    assert reply.status == 403
    assert reply.json() == {"message": "Forbidden"}
    assert reply.headers["x-amzn-errortype"] == "ForbiddenException"


def test_mock_status_code_picks_the_integration_response(lab: Lab) -> None:
    api_id, root = lab.api()
    template = '#if($input.params("fail") == "yes"){"statusCode": 404}#else{"statusCode": 200}#end'
    lab.method(api_id, root, "GET", {"type": "MOCK", "requestTemplates": {"application/json": template}})
    lab.integration_response(
        api_id, root, "GET", "200", responseTemplates={"application/json": '{"ok": true}'}
    )
    lab.integration_response(
        api_id,
        root,
        "GET",
        "404",
        selectionPattern="404",
        responseTemplates={"application/json": '{"ok": false}'},
    )
    lab.deploy(api_id)
    assert lab.call("GET", api_id, "dev").json() == {"ok": True}
    failed = lab.call("GET", api_id, "dev", query={"fail": "yes"})
    assert failed.status == 404 and failed.json() == {"ok": False}


def test_a_method_without_integration_responses_is_a_500(lab: Lab) -> None:
    api_id, root = lab.api()
    lab.method(
        api_id, root, "GET", {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}}
    )
    lab.deploy(api_id)
    reply = lab.call("GET", api_id, "dev")
    assert reply.status == 500 and reply.json() == {"message": "Internal server error"}


def test_gateway_responses_customise_errors(lab: Lab) -> None:
    api_id = mock_api(lab)
    lab.client.put_gateway_response(
        restApiId=api_id,
        responseType="DEFAULT_4XX",
        responseParameters={"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
        responseTemplates={
            "application/json": '{"error": $context.error.messageString, "id": "$context.requestId"}'
        },
    )
    lab.client.put_gateway_response(
        restApiId=api_id, responseType="MISSING_AUTHENTICATION_TOKEN", statusCode="404"
    )
    reply = lab.call("GET", api_id, "dev", "/nope")
    assert reply.status == 404
    assert json.loads(reply.body)["message"] == "Missing Authentication Token"
    other = lab.call("GET", api_id, "prod", "/")
    assert other.status == 404


def test_required_parameters_are_validated(lab: Lab) -> None:
    api_id, root = lab.api()
    validator = lab.client.create_request_validator(
        restApiId=api_id, name="params", validateRequestParameters=True
    )
    lab.method(
        api_id,
        root,
        "GET",
        {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}},
        requestParameters={"method.request.querystring.q": True},
        requestValidatorId=validator["id"],
    )
    lab.integration_response(api_id, root, "GET", "200")
    lab.deploy(api_id)
    missing = lab.call("GET", api_id, "dev")
    assert missing.status == 400
    assert missing.json() == {"message": "Missing required request parameters: [q]"}
    assert lab.call("GET", api_id, "dev", query={"q": "1"}).status == 200
