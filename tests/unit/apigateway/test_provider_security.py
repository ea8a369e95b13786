"""API keys, usage plans (throttle, quota, GetUsage), Lambda authorizers and Cognito user pool authorizers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import boto3

from tests.unit.apigateway.conftest import REGION, Lab, lambda_uri

MOCK = {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}}


def keyed_api(lab: Lab, **plan: Any) -> tuple[str, str, str, str]:
    """An API whose GET / needs a key; returns api id, plan id, key id, key value."""
    api_id, root = lab.api()
    lab.method(api_id, root, "GET", MOCK, apiKeyRequired=True)
    lab.integration_response(
        api_id, root, "GET", "200", responseTemplates={"application/json": '{"ok": true}'}
    )
    lab.deploy(api_id)
    created = lab.client.create_usage_plan(name="plan", apiStages=[{"apiId": api_id, "stage": "dev"}], **plan)
    key = lab.client.create_api_key(name="k", enabled=True)
    lab.client.create_usage_plan_key(usagePlanId=created["id"], keyId=key["id"], keyType="API_KEY")
    return api_id, created["id"], key["id"], key["value"]


def test_a_missing_or_unknown_key_is_forbidden_and_a_valid_key_passes(lab: Lab) -> None:
    api_id, _, _, value = keyed_api(lab)
    for headers in ({}, {"x-api-key": "wrong-key-value-123456"}):
        reply = lab.call("GET", api_id, "dev", headers=headers)
        assert reply.status == 403 and reply.json() == {"message": "Forbidden"}
        assert reply.headers["x-amzn-errortype"] == "ForbiddenException"
    ok = lab.call("GET", api_id, "dev", headers={"x-api-key": value})
    assert ok.status == 200 and ok.json() == {"ok": True}


def test_a_key_outside_any_plan_for_the_stage_or_disabled_is_forbidden(lab: Lab) -> None:
    api_id, _, key_id, value = keyed_api(lab)
    loose = lab.client.create_api_key(name="loose", enabled=True)
    assert lab.call("GET", api_id, "dev", headers={"x-api-key": loose["value"]}).status == 403
    lab.client.update_api_key(
        apiKey=key_id, patchOperations=[{"op": "replace", "path": "/enabled", "value": "false"}]
    )
    assert lab.call("GET", api_id, "dev", headers={"x-api-key": value}).status == 403


def test_throttle_burst_one_rate_one(lab: Lab) -> None:
    api_id, _, _, value = keyed_api(lab, throttle={"burstLimit": 1, "rateLimit": 1.0})
    assert lab.call("GET", api_id, "dev", headers={"x-api-key": value}).status == 200
    throttled = lab.call("GET", api_id, "dev", headers={"x-api-key": value})
    assert throttled.status == 429 and throttled.json() == {"message": "Too Many Requests"}
    assert throttled.headers["x-amzn-errortype"] == "TooManyRequestsException"


def test_quota_of_two_a_day_and_get_usage(lab: Lab) -> None:
    api_id, plan_id, key_id, value = keyed_api(lab, quota={"limit": 2, "period": "DAY"})
    assert [lab.call("GET", api_id, "dev", headers={"x-api-key": value}).status for _ in range(2)] == [
        200,
        200,
    ]
    over = lab.call("GET", api_id, "dev", headers={"x-api-key": value})
    assert over.status == 429 and over.json() == {"message": "Limit Exceeded"}
    assert over.headers["x-amzn-errortype"] == "LimitExceededException"
    today = dt.datetime.now(dt.UTC).date().isoformat()
    usage = lab.get_usage(plan_id, startDate=today, endDate=today)
    assert usage.status == 200
    assert usage.json() == {
        "usagePlanId": plan_id,
        "startDate": today,
        "endDate": today,
        "values": {key_id: [[2, 0]]},
    }
    assert lab.get_usage(plan_id, startDate=today, endDate=today, keyId=key_id).json()["values"] == {
        key_id: [[2, 0]]
    }
    missing = lab.get_usage("nope", startDate=today, endDate=today)
    assert missing.status == 404 and missing.headers["x-amzn-errortype"] == "NotFoundException"


def test_the_control_provider_claims_only_what_it_wraps(lab: Lab) -> None:
    from sandbox.services.aws.routing import Target

    target = Target("apigateway", region=REGION)
    assert lab.control.claims(target, "GET", "/usageplans/abc/usage")
    assert lab.control.claims(target, "POST", "/restapis/abc/deployments")
    assert lab.control.claims(target, "POST", "/restapis/abc/authorizers")
    assert not lab.control.claims(target, "GET", "/usageplans/abc")
    assert not lab.control.claims(target, "GET", "/restapis/abc/deployments")
    assert not lab.control.claims(target, "POST", "/restapis")
    assert not lab.control.claims(Target("execute-api"), "GET", "/usageplans/abc/usage")


def authorizer_api(lab: Lab, authorizer_type: str = "TOKEN", ttl: int = 300, **extra: Any) -> str:
    api_id, root = lab.api()
    pets = lab.resource(api_id, root, "pets")
    authorizer = lab.client.create_authorizer(
        restApiId=api_id,
        name="auth",
        type=authorizer_type,
        authorizerUri=lambda_uri("auth"),
        identitySource=extra.pop("identitySource", "method.request.header.Authorization"),
        authorizerResultTtlInSeconds=ttl,
        **extra,
    )
    lab.method(
        api_id,
        pets,
        "GET",
        {"type": "AWS_PROXY", "integrationHttpMethod": "POST", "uri": lambda_uri("backend")},
        authorizationType="CUSTOM",
        authorizerId=authorizer["id"],
    )
    lab.deploy(api_id)
    lab.runtime.functions["backend"] = lambda event: {
        "statusCode": 200,
        "body": __import__("json").dumps(event["requestContext"]["authorizer"]),
    }
    return api_id


def token_auth(event: dict[str, Any]) -> dict[str, Any]:
    token = event.get("authorizationToken") or event.get("headers", {}).get("Authorization")
    if token == "unauthorized":
        raise Exception("Unauthorized")
    effect = "Allow" if token == "allow" else "Deny"
    return {
        "principalId": "user-1",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}],
        },
        "context": {"tier": "gold", "n": 3, "vip": True},
    }


def test_token_authorizer_allow_passes_context_to_the_integration(lab: Lab) -> None:
    lab.runtime.functions["auth"] = token_auth
    api_id = authorizer_api(lab)
    reply = lab.call("GET", api_id, "dev", "/pets", headers={"Authorization": "allow"})
    assert reply.status == 200, reply.body
    context = reply.json()
    assert context["principalId"] == "user-1"
    assert context["tier"] == "gold" and context["n"] == "3" and context["vip"] == "true"
    name, event = lab.runtime.calls[0]
    assert name == "auth" and event["type"] == "TOKEN" and event["authorizationToken"] == "allow"
    assert event["methodArn"] == f"arn:aws:execute-api:{REGION}:000000000000:{api_id}/dev/GET/pets"


def test_token_authorizer_deny_missing_token_and_unauthorized(lab: Lab) -> None:
    lab.runtime.functions["auth"] = token_auth
    api_id = authorizer_api(lab)
    denied = lab.call("GET", api_id, "dev", "/pets", headers={"Authorization": "deny"})
    assert denied.status == 403
    assert denied.json() == {
        "message": "User is not authorized to access this resource with an explicit deny"
    }
    assert denied.headers["x-amzn-errortype"] == "AccessDeniedException"
    missing = lab.call("GET", api_id, "dev", "/pets")
    assert missing.status == 401 and missing.json() == {"message": "Unauthorized"}
    unauthorized = lab.call("GET", api_id, "dev", "/pets", headers={"Authorization": "unauthorized"})
    assert unauthorized.status == 401 and unauthorized.json() == {"message": "Unauthorized"}


def test_token_authorizer_results_are_cached_by_token(lab: Lab) -> None:
    lab.runtime.functions["auth"] = token_auth
    api_id = authorizer_api(lab, ttl=300)
    for _ in range(3):
        assert lab.call("GET", api_id, "dev", "/pets", headers={"Authorization": "allow"}).status == 200
    assert [name for name, _ in lab.runtime.calls].count("auth") == 1
    lab.call("GET", api_id, "dev", "/pets", headers={"Authorization": "deny"})
    lab.call("GET", api_id, "dev", "/pets", headers={"Authorization": "deny"})
    assert [name for name, _ in lab.runtime.calls].count("auth") == 2


def test_ttl_zero_never_caches_and_validation_expression_short_circuits(lab: Lab) -> None:
    lab.runtime.functions["auth"] = token_auth
    api_id = authorizer_api(lab, ttl=0)
    # moto 5.2 drops identityValidationExpression on CreateAuthorizer (a typo in its model); the update keeps it.
    authorizer_id = lab.client.get_authorizers(restApiId=api_id)["items"][0]["id"]
    patch = {"op": "replace", "path": "/identityValidationExpression", "value": "^(allow|deny)$"}
    lab.client.update_authorizer(restApiId=api_id, authorizerId=authorizer_id, patchOperations=[patch])
    for _ in range(2):
        assert lab.call("GET", api_id, "dev", "/pets", headers={"Authorization": "allow"}).status == 200
    assert [name for name, _ in lab.runtime.calls].count("auth") == 2
    rejected = lab.call("GET", api_id, "dev", "/pets", headers={"Authorization": "other"})
    assert rejected.status == 401
    assert [name for name, _ in lab.runtime.calls].count("auth") == 2


def test_an_implicit_deny_and_a_broken_authorizer(lab: Lab) -> None:
    lab.runtime.functions["auth"] = lambda event: {
        "principalId": "p",
        "policyDocument": {
            "Statement": [
                {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:execute-api:*:*:*/*/POST/*"}
            ]
        },
    }
    api_id = authorizer_api(lab, ttl=0)
    implicit = lab.call("GET", api_id, "dev", "/pets", headers={"Authorization": "t"})
    assert implicit.status == 403 and implicit.json() == {
        "message": "User is not authorized to access this resource"
    }
    lab.runtime.functions["auth"] = lambda event: {"nothing": "useful"}
    broken = lab.call("GET", api_id, "dev", "/pets", headers={"Authorization": "t"})
    assert broken.status == 500 and broken.json() == {"message": None}
    assert broken.headers["x-amzn-errortype"] == "AuthorizerConfigurationException"


def test_request_authorizer_sees_headers_and_query(lab: Lab) -> None:
    lab.runtime.functions["auth"] = token_auth
    api_id = authorizer_api(
        lab,
        authorizer_type="REQUEST",
        identitySource="method.request.header.Authorization,method.request.querystring.v",
    )
    assert lab.call("GET", api_id, "dev", "/pets", headers={"Authorization": "allow"}).status == 401
    ok = lab.call("GET", api_id, "dev", "/pets", headers={"Authorization": "allow"}, query={"v": "1"})
    assert ok.status == 200, ok.body
    _, event = lab.runtime.calls[0]
    assert event["type"] == "REQUEST" and event["queryStringParameters"] == {"v": "1"}
    assert event["resource"] == "/pets" and event["requestContext"]["stage"] == "dev"


def test_cognito_user_pool_authorizer(lab: Lab) -> None:
    idp = boto3.client("cognito-idp", region_name=REGION)
    pool = idp.create_user_pool(PoolName="pool")["UserPool"]
    app = idp.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName="app", ExplicitAuthFlows=["USER_PASSWORD_AUTH"]
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

    api_id, root = lab.api()
    authorizer = lab.client.create_authorizer(
        restApiId=api_id,
        name="pool",
        type="COGNITO_USER_POOLS",
        providerARNs=[pool["Arn"]],
        identitySource="method.request.header.Authorization",
    )
    lab.method(
        api_id,
        root,
        "GET",
        {"type": "AWS_PROXY", "integrationHttpMethod": "POST", "uri": lambda_uri("me")},
        authorizationType="COGNITO_USER_POOLS",
        authorizerId=authorizer["id"],
    )
    lab.deploy(api_id)
    lab.runtime.functions["me"] = lambda event: {
        "statusCode": 200,
        "body": event["requestContext"]["authorizer"]["claims"]["cognito:username"],
    }
    ok = lab.call("GET", api_id, "dev", headers={"Authorization": tokens["IdToken"]})
    assert ok.status == 200 and ok.body == b"ann"
    assert lab.call("GET", api_id, "dev").status == 401
    assert lab.call("GET", api_id, "dev", headers={"Authorization": tokens["AccessToken"]}).status == 401
    tampered = tokens["IdToken"][:-4] + ("AAAA" if not tokens["IdToken"].endswith("AAAA") else "BBBB")
    assert lab.call("GET", api_id, "dev", headers={"Authorization": tampered}).status == 401
    assert lab.call("GET", api_id, "dev", headers={"Authorization": "not.a.jwt"}).status == 401


def test_stage_method_throttling(lab: Lab) -> None:
    api_id, root = lab.api()
    lab.method(api_id, root, "GET", MOCK)
    lab.integration_response(api_id, root, "GET", "200")
    lab.deploy(api_id)
    patches = [
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "1"},
        {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "1"},
    ]
    lab.client.update_stage(restApiId=api_id, stageName="dev", patchOperations=patches)
    assert lab.call("GET", api_id, "dev").status == 200
    throttled = lab.call("GET", api_id, "dev")
    assert throttled.status == 429 and throttled.json() == {"message": "Too Many Requests"}


def test_api_key_from_the_authorizer(lab: Lab) -> None:
    created = lab.client.create_rest_api(name="by-authorizer", apiKeySource="AUTHORIZER")
    api_id, root = created["id"], created["rootResourceId"]
    authorizer = lab.client.create_authorizer(
        restApiId=api_id,
        name="auth",
        type="TOKEN",
        authorizerUri=lambda_uri("auth"),
        identitySource="method.request.header.Authorization",
    )
    lab.method(
        api_id,
        root,
        "GET",
        MOCK,
        apiKeyRequired=True,
        authorizationType="CUSTOM",
        authorizerId=authorizer["id"],
    )
    lab.integration_response(api_id, root, "GET", "200")
    lab.deploy(api_id)
    plan = lab.client.create_usage_plan(name="p", apiStages=[{"apiId": api_id, "stage": "dev"}])
    key = lab.client.create_api_key(name="k", enabled=True, value="authorizer-chosen-key-0001")
    lab.client.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")

    def auth(event: dict[str, Any]) -> dict[str, Any]:
        allowed = token_auth({**event, "authorizationToken": "allow"})
        return {**allowed, "usageIdentifierKey": event["authorizationToken"]}

    lab.runtime.functions["auth"] = auth
    assert (
        lab.call("GET", api_id, "dev", headers={"Authorization": "authorizer-chosen-key-0001"}).status == 200
    )
    assert lab.call("GET", api_id, "dev", headers={"Authorization": "some-other-key"}).status == 403
