"""S3 writes pass through to moto; then we deliver the bucket's Lambda notifications, asynchronously.

moto keeps buckets and objects and delivers SQS and SNS notifications itself. Lambda notifications are
ours: the event goes through the runtime's Event path (queued, retried), so PutObject returns at once and a
failing function never fails the upload, as on AWS. PutBucketNotificationConfiguration is checked first:
naming a function that S3 may not invoke is refused with AWS's own words.
"""

from __future__ import annotations

import fnmatch
import json
import logging
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import parse_qs

from sandbox.services.aws.bridge import lambda_ as lambda_bridge
from sandbox.services.aws.bridge import s3 as s3_bridge
from sandbox.services.aws.context import AwsContext
from sandbox.services.aws.passthrough import MotoResponse, call_moto, read_body, send_response
from sandbox.services.aws.routing import Target
from sandbox.services.aws.s3 import events, notifications

log = logging.getLogger("sandbox.aws")
_S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
# Sub-resources whose writes change no object (tagging, ACLs, parts…): no event for those.
_QUIET = {"tagging", "acl", "partNumber", "retention", "legal-hold", "restore", "select", "torrent"}


class S3Provider:
    def __init__(self, ctx: AwsContext) -> None:
        self.ctx = ctx
        self.lambda_rules: dict[str, list[notifications.LambdaRule]] = {}

    def claims(self, target: Target, method: str, path: str) -> bool:
        return method in ("PUT", "POST", "DELETE") or (method == "GET" and _is_bucket(path))

    def reset(self) -> None:
        self.lambda_rules.clear()

    async def stop(self) -> None:
        pass

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        method: str = scope["method"]
        query = parse_qs(scope.get("query_string", b"").decode(), keep_blank_values=True)
        bucket, _, key = scope["path"].lstrip("/").partition("/")
        body = await read_body(receive)
        if not key and "notification" in query and method in ("PUT", "GET"):
            await self._notification_configuration(scope, send, method, bucket, body)
            return
        response = await call_moto(self.ctx.fallback, scope, body)
        await send_response(send, response)
        if response.status >= 300 or not bucket:
            return
        if method == "DELETE" and not key and not query:
            self.lambda_rules.pop(bucket, None)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        for event, event_key in self._events(method, query, bucket, key, headers, body):
            self._notify(bucket, event_key, event, scope)

    async def _notification_configuration(
        self, scope: Any, send: Any, method: str, bucket: str, body: bytes
    ) -> None:
        if method == "GET":
            response = await call_moto(self.ctx.fallback, scope, body)
            if response.status == 200:
                merged = notifications.merge(response.body, self.lambda_rules.get(bucket, []))
                response = MotoResponse(200, _with_length(response.headers, merged), merged)
            await send_response(send, response)
            return
        try:
            rules, rest = notifications.split(body)
        except notifications.InvalidConfiguration as exc:
            await _xml_error(send, "InvalidArgument", str(exc))
            return
        refused = [rule.function_arn for rule in rules if not self._may_invoke(rule.function_arn)]
        if refused:
            await _xml_error(
                send,
                "InvalidArgument",
                "Unable to validate the following destination configurations",
                refused,
            )
            return
        response = await call_moto(self.ctx.fallback, _with_body_length(scope, rest), rest)
        if response.status < 300:
            if rules:
                self.lambda_rules[bucket] = rules
            else:
                self.lambda_rules.pop(bucket, None)
        await send_response(send, response)

    def _may_invoke(self, arn: str) -> bool:
        parts = arn.split(":")
        region = parts[3] if len(parts) > 3 else self.ctx.settings.region
        statements = lambda_bridge.policy_statements(self.ctx.account_id, region, arn)
        return any(_allows_s3(statement) for statement in statements)

    def _events(
        self,
        method: str,
        query: dict[str, list[str]],
        bucket: str,
        key: str,
        headers: dict[str, str],
        body: bytes,
    ) -> list[tuple[str, str]]:
        if _QUIET & set(query):
            return []
        if method == "PUT" and key and "uploadId" not in query:
            return [("ObjectCreated:Copy" if "x-amz-copy-source" in headers else "ObjectCreated:Put", key)]
        if method == "POST" and key and "uploadId" in query:
            return [("ObjectCreated:CompleteMultipartUpload", key)]
        if method == "POST" and not key and "delete" in query:
            return [("ObjectRemoved:Delete", k) for k in _deleted_keys(body)]
        if method == "POST" and not key and headers.get("content-type", "").startswith("multipart/form-data"):
            form_key = _form_key(body)
            return [("ObjectCreated:Post", form_key)] if form_key else []
        if method == "DELETE" and key and "uploadId" not in query:
            return [("ObjectRemoved:Delete", key)]
        return []

    def _notify(self, bucket: str, key: str, event: str, scope: Any) -> None:
        rules = [rule for rule in self.lambda_rules.get(bucket, []) if rule.matches(f"s3:{event}", key)]
        if not rules:
            return
        account = self.ctx.account_id
        info = s3_bridge.object_info(account, bucket, key)
        region = s3_bridge.bucket_region(account, bucket) or self.ctx.settings.region
        client = scope.get("client") or ("127.0.0.1", 0)
        for rule in rules:
            record = events.record(
                event=event,
                bucket=bucket,
                key=key,
                region=region,
                account_id=account,
                info=info,
                configuration_id=rule.id,
                source_ip=client[0],
            )
            try:
                spec = self.ctx.lambda_runtime.resolve(
                    rule.function_arn, None, rule.function_arn.split(":")[3]
                )
            except lambda_bridge.FunctionNotFound:
                log.info(
                    "s3 %s/%s %s: function %s is gone; event dropped", bucket, key, event, rule.function_arn
                )
                continue
            self.ctx.lambda_runtime.invoke_async(spec, json.dumps({"Records": [record]}).encode())


def _is_bucket(path: str) -> bool:
    return "/" not in path.strip("/") and path.strip("/") != ""


def _with_length(headers: list[tuple[bytes, bytes]], body: bytes) -> list[tuple[bytes, bytes]]:
    kept = [(k, v) for k, v in headers if k.lower() != b"content-length"]
    return [*kept, (b"content-length", str(len(body)).encode())]


def _with_body_length(scope: Any, body: bytes) -> Any:
    headers = [(k, v) for k, v in scope["headers"] if k.lower() not in (b"content-length", b"content-md5")]
    return {**scope, "headers": [*headers, (b"content-length", str(len(body)).encode())]}


def _allows_s3(statement: dict[str, Any]) -> bool:
    if statement.get("Effect") != "Allow":
        return False
    principal = statement.get("Principal")
    services = principal.get("Service") if isinstance(principal, dict) else principal
    services = services if isinstance(services, list) else [services]
    if not any(s in ("s3.amazonaws.com", "*") for s in services):
        return False
    actions = statement.get("Action")
    actions = actions if isinstance(actions, list) else [actions]
    return any(fnmatch.fnmatch("lambda:InvokeFunction", str(action)) for action in actions)


def _deleted_keys(body: bytes) -> list[str]:
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return []
    return [el.text for el in root.iter() if el.tag.removeprefix(_S3_NS) == "Key" and el.text]


def _form_key(body: bytes) -> str | None:
    marker = b'name="key"'
    at = body.find(marker)
    if at < 0:
        return None
    start = body.find(b"\r\n\r\n", at)
    end = body.find(b"\r\n", start + 4)
    return body[start + 4 : end].decode("utf-8", "replace") if start >= 0 and end > start else None


async def _xml_error(send: Any, code: str, message: str, arns: list[str] | None = None) -> None:
    arguments = "".join(
        f"<ArgumentName{i}>{arn}</ArgumentName{i}><ArgumentValue{i}>Not authorized to invoke function [{arn}]"
        f"</ArgumentValue{i}>"
        for i, arn in enumerate(arns or [], 1)
    )
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
        f"<Message>{message}</Message>{arguments}<RequestId>sandbox</RequestId></Error>"
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 400,
            "headers": [(b"content-type", b"application/xml"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def create(ctx: AwsContext) -> S3Provider:
    return S3Provider(ctx)
