"""API Gateway REST APIs through real clients: boto3 builds them, plain HTTP calls their invoke URLs."""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from sandbox.scenarios.pytest_plugin import SessionSandbox
from tests.integration.lambda_helpers import client, create_function

pytestmark = pytest.mark.integration

REGION, ACCOUNT = "us-east-1", "000000000000"
MOCK_200 = {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}}
FORMS = ("restapis", "host", "aws")


class Api:
    """One REST API under construction, and its invoke URLs in each of the three forms."""

    def __init__(self, box: SessionSandbox) -> None:
        self.box = box
        self.gw = client(box, "apigateway")
        created = self.gw.create_rest_api(name=f"it-{uuid.uuid4().hex[:8]}")
        self.id: str = created["id"]
        self.root: str = created["rootResourceId"]

    def resource(self, parent: str, part: str) -> str:
        return str(self.gw.create_resource(restApiId=self.id, parentId=parent, pathPart=part)["id"])

    def method(self, resource: str, verb: str, integration: dict[str, Any], **method: Any) -> None:
        method.setdefault("authorizationType", "NONE")
        self.gw.put_method(restApiId=self.id, resourceId=resource, httpMethod=verb, **method)
        self.gw.put_integration(restApiId=self.id, resourceId=resource, httpMethod=verb, **integration)

    def response(self, resource: str, verb: str, status: str, **kwargs: Any) -> None:
        params = kwargs.pop("methodResponseParameters", None)
        extra = {"responseParameters": params} if params else {}
        self.gw.put_method_response(
            restApiId=self.id, resourceId=resource, httpMethod=verb, statusCode=status, **extra
        )
        self.gw.put_integration_response(
            restApiId=self.id, resourceId=resource, httpMethod=verb, statusCode=status, **kwargs
        )

    def deploy(self, stage: str = "dev", **variables: str) -> None:
        self.gw.create_deployment(restApiId=self.id, stageName=stage, variables=variables)

    def call(
        self, method: str, path: str = "/", *, stage: str = "dev", form: str = "restapis", **kw: Any
    ) -> Any:
        headers = dict(kw.pop("headers", None) or {})
        base = self.box.aws_url
        if form == "restapis":
            url = f"{base}/restapis/{self.id}/{stage}/_user_request_{path}"
        elif form == "aws":
            url = f"{base}/_aws/execute-api/{self.id}/{stage}{path}"
        else:
            # {id}.execute-api.localhost.localstack.cloud needs DNS; the Host header is what the gateway reads.
            port = urlsplit(base).port
            headers["Host"] = f"{self.id}.execute-api.localhost.localstack.cloud:{port}"
            url = f"{base}/{stage}{path}"
        return requests.request(method, url, headers=headers, timeout=60, **kw)

    def lambda_uri(self, function: str) -> str:
        arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function}"
        return f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations"


# --- MOCK, CORS, routing errors --------------------------------------------------------------------------------
CORS = {
    "method.response.header.Access-Control-Allow-Origin": "'*'",
    "method.response.header.Access-Control-Allow-Methods": "'GET,POST,OPTIONS'",
    "method.response.header.Access-Control-Allow-Headers": "'Content-Type,X-Api-Key,Authorization'",
}


@pytest.fixture(scope="module")
def mock_api(sandbox: SessionSandbox) -> Api:
    api = Api(sandbox)
    api.method(api.root, "GET", MOCK_200)
    api.response(
        api.root, "GET", "200", responseTemplates={"application/json": '{"hello": "$context.stage"}'}
    )
    api.method(api.root, "OPTIONS", MOCK_200)
    api.response(
        api.root, "OPTIONS", "200", responseParameters=CORS, methodResponseParameters={k: False for k in CORS}
    )
    api.deploy()
    return api


@pytest.mark.parametrize("form", FORMS)
def test_mock_200_on_every_invoke_url_form(mock_api: Api, form: str) -> None:
    reply = mock_api.call("GET", "/", form=form)
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"hello": "dev"}
    assert reply.headers["x-amzn-RequestId"] and reply.headers["x-amz-apigw-id"]


def test_cors_preflight(mock_api: Api) -> None:
    reply = mock_api.call(
        "OPTIONS", "/", headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST"}
    )
    assert reply.status_code == 200
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    assert reply.headers["Access-Control-Allow-Methods"] == "GET,POST,OPTIONS"
    assert "X-Api-Key" in reply.headers["Access-Control-Allow-Headers"]


@pytest.mark.parametrize("form", FORMS)
def test_unknown_route_stage_or_method_is_missing_authentication_token(mock_api: Api, form: str) -> None:
    for method, path, stage in (("GET", "/nope", "dev"), ("GET", "/", "prod"), ("DELETE", "/", "dev")):
        reply = mock_api.call(method, path, stage=stage, form=form)
        assert reply.status_code == 403, (method, path, stage)
        assert reply.json() == {"message": "Missing Authentication Token"}
        assert reply.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_unknown_api_id_is_forbidden(sandbox: SessionSandbox) -> None:
    reply = requests.get(f"{sandbox.aws_url}/restapis/doesnotexist/dev/_user_request_/", timeout=10)
    assert reply.status_code == 403 and reply.json() == {"message": "Forbidden"}
    assert reply.headers["x-amzn-ErrorType"] == "ForbiddenException"


def test_a_stage_serves_its_deployment_until_redeployed(sandbox: SessionSandbox) -> None:
    api = Api(sandbox)
    api.method(api.root, "GET", MOCK_200)
    api.response(api.root, "GET", "200", responseTemplates={"application/json": '{"version": 1}'})
    api.deploy()
    assert api.call("GET").json() == {"version": 1}
    api.gw.put_integration_response(
        restApiId=api.id,
        resourceId=api.root,
        httpMethod="GET",
        statusCode="200",
        responseTemplates={"application/json": '{"version": 2}'},
    )
    assert api.call("GET").json() == {"version": 1}, "an undeployed change is not live"
    api.deploy()
    assert api.call("GET").json() == {"version": 2}


# --- API keys and usage plans ----------------------------------------------------------------------------------
def keyed(box: SessionSandbox, **plan: Any) -> tuple[Api, str, str, str]:
    api = Api(box)
    api.method(api.root, "GET", MOCK_200, apiKeyRequired=True)
    api.response(api.root, "GET", "200", responseTemplates={"application/json": '{"ok": true}'})
    api.deploy()
    usage_plan = api.gw.create_usage_plan(
        name=f"plan-{api.id}", apiStages=[{"apiId": api.id, "stage": "dev"}], **plan
    )
    key = api.gw.create_api_key(name=f"key-{api.id}", enabled=True)
    api.gw.create_usage_plan_key(usagePlanId=usage_plan["id"], keyId=key["id"], keyType="API_KEY")
    return api, usage_plan["id"], key["id"], key["value"]


def test_missing_or_wrong_key_is_forbidden_and_a_valid_key_passes(sandbox: SessionSandbox) -> None:
    api, _, _, value = keyed(sandbox)
    missing = api.call("GET")
    assert missing.status_code == 403 and missing.json() == {"message": "Forbidden"}
    wrong = api.call("GET", headers={"x-api-key": "not-the-key-0123456789"})
    assert wrong.status_code == 403 and wrong.json() == {"message": "Forbidden"}
    ok = api.call("GET", headers={"x-api-key": value}, form="host")
    assert ok.status_code == 200 and ok.json() == {"ok": True}


def test_usage_plan_throttle_burst_one_rate_one(sandbox: SessionSandbox) -> None:
    api, _, _, value = keyed(sandbox, throttle={"burstLimit": 1, "rateLimit": 1.0})
    first = api.call("GET", headers={"x-api-key": value})
    second = api.call("GET", headers={"x-api-key": value})
    assert first.status_code == 200
    assert second.status_code == 429 and second.json() == {"message": "Too Many Requests"}


def test_quota_two_a_day_then_limit_exceeded_and_get_usage_counts(sandbox: SessionSandbox) -> None:
    api, plan_id, key_id, value = keyed(sandbox, quota={"limit": 2, "period": "DAY"})
    statuses = [api.call("GET", headers={"x-api-key": value}).status_code for _ in range(2)]
    third = api.call("GET", headers={"x-api-key": value})
    assert statuses == [200, 200]
    assert third.status_code == 429 and third.json() == {"message": "Limit Exceeded"}
    today = dt.datetime.now(dt.UTC).date().isoformat()
    usage = api.gw.get_usage(usagePlanId=plan_id, startDate=today, endDate=today)
    assert usage["usagePlanId"] == plan_id
    assert usage["items"] == {key_id: [[2, 0]]}


# --- HTTP and HTTP_PROXY to a local server ---------------------------------------------------------------------
class Echo(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        parts = urlsplit(self.path)
        data = {
            "method": self.command,
            "path": parts.path,
            "query": parts.query,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body,
        }
        payload = json.dumps(data).encode()
        self.send_response(201 if self.command == "POST" else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Backend", "echo")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def echo_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_http_proxy_with_path_parameters_and_greedy_proxy(sandbox: SessionSandbox, echo_server: str) -> None:
    api = Api(sandbox)
    items = api.resource(api.root, "items")
    item = api.resource(items, "{id}")
    proxy = api.resource(api.root, "{proxy+}")
    api.method(
        item,
        "GET",
        {
            "type": "HTTP_PROXY",
            "integrationHttpMethod": "GET",
            "uri": f"{echo_server}/backend/items/{{id}}",
            "requestParameters": {"integration.request.path.id": "method.request.path.id"},
        },
        requestParameters={"method.request.path.id": True},
    )
    api.method(
        proxy,
        "ANY",
        {
            "type": "HTTP_PROXY",
            "integrationHttpMethod": "ANY",
            "uri": f"{echo_server}/{{proxy}}",
            "requestParameters": {"integration.request.path.proxy": "method.request.path.proxy"},
        },
        requestParameters={"method.request.path.proxy": True},
    )
    api.deploy()
    one = api.call("GET", "/items/42", params={"x": "1"}, headers={"X-Custom": "c"})
    assert one.status_code == 200, one.text
    seen = one.json()
    assert seen["path"] == "/backend/items/42" and seen["query"] == "x=1"
    assert seen["headers"]["x-custom"] == "c" and seen["headers"]["x-forwarded-for"]
    assert one.headers["X-Backend"] == "echo"
    deep = api.call("POST", "/a/b/c", data="payload", form="aws")
    assert deep.status_code == 201
    assert (
        deep.json()["path"] == "/a/b/c"
        and deep.json()["method"] == "POST"
        and deep.json()["body"] == "payload"
    )


def test_http_non_proxy_maps_request_and_response(sandbox: SessionSandbox, echo_server: str) -> None:
    api = Api(sandbox)
    api.method(
        api.root,
        "POST",
        {
            "type": "HTTP",
            "integrationHttpMethod": "PUT",
            "uri": f"{echo_server}/store",
            "requestTemplates": {
                "application/json": '{"wrapped": $input.json(\'$\'), "stage": "$context.stage"}'
            },
            "requestParameters": {"integration.request.header.X-Stage": "'dev-stage'"},
        },
    )
    api.response(
        api.root,
        "POST",
        "200",
        responseTemplates={
            "application/json": '{"backendSaw": $input.json(\'$.body\'), "m": "$input.path(\'$.method\')"}'
        },
    )
    api.deploy()
    reply = api.call("POST", "/", json={"a": 1})
    assert reply.status_code == 200, reply.text
    out = reply.json()
    assert out["m"] == "PUT"
    assert json.loads(out["backendSaw"]) == {"wrapped": {"a": 1}, "stage": "dev"}


# --- Lambda: AWS_PROXY, AWS, authorizers -----------------------------------------------------------------------
PROXY_FN = """
import json

def handler(event, context):
    query = event.get("queryStringParameters") or {}
    if query.get("fail"):
        raise RuntimeError("boom")
    if query.get("bad"):
        return {"statusCode": 200, "body": {"not": "a string"}}
    return {"statusCode": 200, "headers": {"X-Fn": "yes"}, "body": json.dumps(event)}
"""

USERS_FN = """
def handler(event, context):
    if event["id"] == "0":
        raise LookupError("User Not Found: 0")
    return {"id": event["id"], "name": "user-" + event["id"]}
"""

AUTH_FN = """
def handler(event, context):
    token = event["authorizationToken"]
    if token == "unauthorized":
        raise Exception("Unauthorized")
    effect = "Allow" if token.startswith("allow") else "Deny"
    return {
        "principalId": "user-1",
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}]},
        "context": {"tier": "gold", "level": 3},
    }
"""


def test_aws_proxy_event_and_response(sandbox: SessionSandbox) -> None:
    function = create_function(sandbox, PROXY_FN)
    api = Api(sandbox)
    pets = api.resource(api.root, "pets")
    pet = api.resource(pets, "{petId}")
    api.method(
        pet, "ANY", {"type": "AWS_PROXY", "integrationHttpMethod": "POST", "uri": api.lambda_uri(function)}
    )
    api.deploy("dev", color="blue")
    reply = api.call(
        "PUT", "/pets/7", params={"q": "a"}, json={"n": 1}, headers={"X-Trace": "t"}, form="host"
    )
    assert reply.status_code == 200, reply.text
    assert reply.headers["X-Fn"] == "yes"
    event = reply.json()
    assert (
        event["resource"] == "/pets/{petId}" and event["path"] == "/pets/7" and event["httpMethod"] == "PUT"
    )
    assert event["pathParameters"] == {"petId": "7"} and event["stageVariables"] == {"color": "blue"}
    assert event["queryStringParameters"] == {"q": "a"} and event["multiValueQueryStringParameters"] == {
        "q": ["a"]
    }
    assert event["headers"]["X-Trace"] == "t" and event["multiValueHeaders"]["X-Trace"] == ["t"]
    assert json.loads(event["body"]) == {"n": 1} and event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert (
        context["apiId"] == api.id
        and context["stage"] == "dev"
        and context["resourcePath"] == "/pets/{petId}"
    )
    assert context["path"] == "/dev/pets/7" and context["accountId"] == ACCOUNT
    assert context["requestId"] == reply.headers["x-amzn-RequestId"]
    assert context["identity"]["sourceIp"] == "127.0.0.1"


def test_a_throwing_function_or_a_malformed_proxy_answer_is_502(sandbox: SessionSandbox) -> None:
    function = create_function(sandbox, PROXY_FN)
    api = Api(sandbox)
    api.method(
        api.root,
        "GET",
        {"type": "AWS_PROXY", "integrationHttpMethod": "POST", "uri": api.lambda_uri(function)},
    )
    api.deploy()
    for query in ({"fail": "1"}, {"bad": "1"}):
        reply = api.call("GET", params=query)
        assert reply.status_code == 502, reply.text
        assert reply.json() == {"message": "Internal server error"}


def test_aws_non_proxy_with_selection_pattern_error_mapping(sandbox: SessionSandbox) -> None:
    function = create_function(sandbox, USERS_FN)
    api = Api(sandbox)
    users = api.resource(api.root, "users")
    user = api.resource(users, "{id}")
    api.method(
        user,
        "GET",
        {
            "type": "AWS",
            "integrationHttpMethod": "POST",
            "uri": api.lambda_uri(function),
            "requestTemplates": {"application/json": '{"id": "$input.params(\'id\')"}'},
        },
    )
    api.response(
        user, "GET", "200", responseTemplates={"application/json": '{"name": "$input.path(\'$.name\')"}'}
    )
    api.response(
        user,
        "GET",
        "404",
        selectionPattern=".*Not Found.*",
        responseTemplates={"application/json": '{"error": "$input.path(\'$.errorMessage\')"}'},
    )
    api.deploy()
    found = api.call("GET", "/users/5")
    assert found.status_code == 200 and found.json() == {"name": "user-5"}
    missing = api.call("GET", "/users/0")
    assert missing.status_code == 404 and missing.json() == {"error": "User Not Found: 0"}


def _invocations(box: SessionSandbox, function: str) -> int:
    state = requests.get(f"{box.aws_url}/_sandbox/lambda", timeout=5).json()["functions"]
    return int(
        next((v.get("invocations", 0) for k, v in state.items() if k.endswith(f":function:{function}")), 0)
    )


def test_token_authorizer_allow_deny_unauthorized_and_cache(sandbox: SessionSandbox) -> None:
    authorizer_fn = create_function(sandbox, AUTH_FN)
    backend_fn = create_function(sandbox, PROXY_FN)
    api = Api(sandbox)
    authorizer = api.gw.create_authorizer(
        restApiId=api.id,
        name="token",
        type="TOKEN",
        authorizerUri=api.lambda_uri(authorizer_fn),
        identitySource="method.request.header.Authorization",
        identityValidationExpression="^(allow|deny|unauthorized).*$",
        authorizerResultTtlInSeconds=300,
    )
    assert authorizer["identityValidationExpression"] == "^(allow|deny|unauthorized).*$"
    api.method(
        api.root,
        "GET",
        {"type": "AWS_PROXY", "integrationHttpMethod": "POST", "uri": api.lambda_uri(backend_fn)},
        authorizationType="CUSTOM",
        authorizerId=authorizer["id"],
    )
    api.deploy()

    allowed = [api.call("GET", headers={"Authorization": "allow-1"}) for _ in range(3)]
    assert [r.status_code for r in allowed] == [200, 200, 200], allowed[0].text
    context = allowed[0].json()["requestContext"]["authorizer"]
    assert context["principalId"] == "user-1" and context["tier"] == "gold" and context["level"] == "3"
    assert _invocations(sandbox, authorizer_fn) == 1, "the allow result is cached for 300 s"

    denied = api.call("GET", headers={"Authorization": "deny-1"})
    assert denied.status_code == 403
    assert denied.json()["message"].startswith("User is not authorized to access this resource")
    assert denied.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    assert api.call("GET").status_code == 401
    assert api.call("GET", headers={"Authorization": "unauthorized"}).json() == {"message": "Unauthorized"}
    invalid = api.call("GET", headers={"Authorization": "garbage"})
    assert invalid.status_code == 401
    assert _invocations(sandbox, authorizer_fn) == 3, (
        "no identity and a failed validation never reach the function"
    )


def test_cognito_user_pool_authorizer(sandbox: SessionSandbox, echo_server: str) -> None:
    idp = client(sandbox, "cognito-idp")
    pool = idp.create_user_pool(PoolName=f"pool-{uuid.uuid4().hex[:6]}")["UserPool"]
    app = idp.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName="web", ExplicitAuthFlows=["USER_PASSWORD_AUTH"]
    )
    client_id = app["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool["Id"], Username="ann", TemporaryPassword="Temp-pass-1!")
    idp.admin_set_user_password(
        UserPoolId=pool["Id"], Username="ann", Password="Real-pass-1!", Permanent=True
    )
    tokens = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ann", "PASSWORD": "Real-pass-1!"},
    )["AuthenticationResult"]

    api = Api(sandbox)
    authorizer = api.gw.create_authorizer(
        restApiId=api.id,
        name="users",
        type="COGNITO_USER_POOLS",
        providerARNs=[pool["Arn"]],
        identitySource="method.request.header.Authorization",
    )
    api.method(
        api.root,
        "GET",
        {
            "type": "HTTP",
            "integrationHttpMethod": "GET",
            "uri": f"{echo_server}/me",
            "requestParameters": {
                "integration.request.header.X-User": "context.authorizer.claims.cognito:username"
            },
        },
        authorizationType="COGNITO_USER_POOLS",
        authorizerId=authorizer["id"],
    )
    api.response(
        api.root,
        "GET",
        "200",
        responseTemplates={
            "application/json": '{"user": "$context.authorizer.claims[\'cognito:username\']"}'
        },
    )
    api.deploy()
    ok = api.call("GET", headers={"Authorization": tokens["IdToken"]})
    assert ok.status_code == 200, ok.text
    assert ok.json() == {"user": "ann"}
    assert api.call("GET").status_code == 401
    assert api.call("GET", headers={"Authorization": tokens["IdToken"][:-6] + "AAAAAA"}).status_code == 401
