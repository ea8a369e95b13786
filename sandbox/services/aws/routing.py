"""Which AWS service a request is for, decided from the request alone.

The order follows what is most reliable on the wire: the SigV4 credential scope names the signing service;
X-Amz-Target names the JSON protocol's service; the Host header carries S3 virtual-host buckets and
API Gateway invoke URLs; and unsigned requests default to S3, as AWS's own endpoint would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs

# JSON-protocol target prefixes, for requests that arrive without a SigV4 header.
TARGET_PREFIXES = {
    "DynamoDB": "dynamodb",
    "DynamoDBStreams": "dynamodbstreams",
    "AmazonSQS": "sqs",
    "Logs": "logs",
    "AWSCognitoIdentityProviderService": "cognito-idp",
    "AWSCognitoIdentityService": "cognito-identity",
    "AWSEvents": "events",
    "AmazonSSM": "ssm",
    "secretsmanager": "secretsmanager",
    "Kinesis": "kinesis",
    "TrentService": "kms",
    "CodeDeploy": "codedeploy",
    "AWSStepFunctions": "states",
    "GraniteServiceVersion20100801": "monitoring",
}

_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/(?P<region>[a-z0-9-]+)/(?P<service>[a-z0-9.-]+)/aws4_request")
_QUERY_SCOPE = re.compile(r"^[^/]+/\d{8}/(?P<region>[a-z0-9-]+)/(?P<service>[a-z0-9.-]+)/aws4_request$")
_LOCAL_DOMAINS = r"(?:localhost\.localstack\.cloud|amazonaws\.com(?:\.cn)?|localhost)"
_S3_VHOST = re.compile(
    rf"^(?P<bucket>[a-z0-9][a-z0-9.\-]*?)\.s3(?:[.-](?:[a-z0-9-]+))?\.{_LOCAL_DOMAINS}(?::\d+)?$",
    re.IGNORECASE,
)
_EXECUTE_API_HOST = re.compile(
    rf"^(?P<api>[a-z0-9]+)\.execute-api(?:\.[a-z0-9-]+)?\.{_LOCAL_DOMAINS}(?::\d+)?$", re.IGNORECASE
)
# `<service>[.<region>].localhost.localstack.cloud` or `.amazonaws.com`; a bare `<name>.localhost` is an S3
# bucket (that is what botocore sends for an endpoint of http://localhost:4566), never a service.
_SERVICE_HOST = re.compile(
    r"^(?P<service>[a-z0-9-]+)(?:\.(?P<region>[a-z]{2}-[a-z]+-\d))?\.(?:localhost\.localstack\.cloud|amazonaws\.com)"
    r"(?::\d+)?$"
)
_REST_USER_REQUEST = re.compile(r"^/restapis/(?P<api>[^/]+)/(?P<stage>[^/]+)/_user_request_(?P<path>/.*)?$")
_AWS_EXECUTE_API = re.compile(r"^/_aws/execute-api/(?P<api>[^/]+)/(?P<stage>[^/]+)(?P<path>/.*)?$")


@dataclass(frozen=True)
class Target:
    """Where a request goes. `bucket` is set for S3 virtual-host requests, `api` for invoke URLs."""

    service: str
    region: str | None = None
    operation: str | None = None
    bucket: str | None = None
    api: str | None = None
    stage: str | None = None
    path: str | None = None


def identify(method: str, path: str, query: str, headers: dict[str, str], body: bytes = b"") -> Target:
    """`headers` must have lower-case names."""
    host = headers.get("host", "")

    invoke = _invoke_url(path, host)
    if invoke is not None:
        return invoke

    auth = headers.get("authorization", "")
    target_header = headers.get("x-amz-target", "")
    operation = target_header.split(".", 1)[1] if "." in target_header else None

    scope = _SCOPE.search(auth)
    if scope is None and "X-Amz-Credential=" in query:
        credential = parse_qs(query).get("X-Amz-Credential", [""])[0]
        scope = _QUERY_SCOPE.match(credential)
    if scope is not None:
        service = scope["service"]
        region = scope["region"]
        if service == "s3":
            return _s3(host, region)
        if service == "execute-api" and not path.startswith("/@connections"):
            # A SigV4-signed call to an invoke URL without a recognisable URL shape: API Gateway's own
            # management API signs as "apigateway", so this can only be the data plane.
            return Target("execute-api", region=region, path=path)
        return Target(service, region=region, operation=operation or _query_action(query, headers, body))

    if "AWSAccessKeyId=" in query and "Signature=" in query:
        # A SigV2 presigned URL (boto3's default for S3 presigning): only S3 still accepts SigV2.
        return _s3(host, None)

    if target_header:
        prefix = target_header.split(".", 1)[0].split("_", 1)[0]
        service = TARGET_PREFIXES.get(prefix) or TARGET_PREFIXES.get(target_header.split(".", 1)[0])
        if service:
            return Target(service, operation=operation)

    named = _SERVICE_HOST.match(host)
    if named is not None and not _S3_VHOST.match(host) and named["service"] != "s3":
        return Target(named["service"], region=named["region"])
    # Unsigned requests (public objects, presigned POST forms, browsers) are S3's, as on AWS's own endpoint.
    return _s3(host, None)


def _invoke_url(path: str, host: str) -> Target | None:
    match = _REST_USER_REQUEST.match(path) or _AWS_EXECUTE_API.match(path)
    if match is not None:
        return Target("execute-api", api=match["api"], stage=match["stage"], path=match["path"] or "/")
    vhost = _EXECUTE_API_HOST.match(host)
    if vhost is not None:
        stage, _, rest = path.lstrip("/").partition("/")
        return Target("execute-api", api=vhost["api"], stage=stage or None, path="/" + rest)
    return None


def _s3(host: str, region: str | None) -> Target:
    vhost = _S3_VHOST.match(host)
    if vhost is not None:
        return Target("s3", region=region, bucket=vhost["bucket"])
    # botocore sends `bucket.localhost:4566` for an endpoint of http://localhost:4566, and
    # `bucket.localhost.localstack.cloud:4566` for http://localhost.localstack.cloud:4566.
    bare = host.split(":", 1)[0]
    for domain in (".localhost.localstack.cloud", ".localhost"):
        if bare.endswith(domain):
            bucket = bare[: -len(domain)]
            if bucket and bucket != "s3":
                return Target("s3", region=region, bucket=bucket)
            break
    return Target("s3", region=region)


def _query_action(query: str, headers: dict[str, str], body: bytes) -> str | None:
    """The `Action=` of query-protocol APIs (SQS legacy, SNS, STS, IAM, EC2), from the query or form body."""
    if "Action=" in query:
        return parse_qs(query).get("Action", [None])[0]
    if body and headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return parse_qs(body.decode("utf-8", "replace")).get("Action", [None])[0]
    return None
