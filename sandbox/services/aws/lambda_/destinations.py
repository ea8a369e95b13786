"""Where an asynchronous invocation's result goes: destinations and dead-letter queues, in AWS's shapes."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sandbox.services.aws.bridge import lambda_ as bridge
from sandbox.services.aws.bridge import messaging

if TYPE_CHECKING:
    from sandbox.services.aws.lambda_.runtime import InvokeResult, LambdaRuntime

log = logging.getLogger("sandbox.aws")


def deliver(
    runtime: LambdaRuntime,
    spec: bridge.FunctionSpec,
    payload: bytes,
    request_id: str,
    result: InvokeResult,
    attempts: int,
) -> None:
    """Send an asynchronous invocation's outcome where the function's configuration says: its on-failure
    or on-success destination (SQS, SNS or another function), else, for a failure, its dead-letter queue."""
    failed = result.function_error is not None
    destination = (bridge.on_failure_destination if failed else bridge.on_success_destination)(
        spec.account_id, spec.region, spec.name
    )
    try:
        if destination:
            record = destination_record(spec, payload, request_id, result, attempts)
            if destination.split(":")[2] == "lambda":
                target = runtime.resolve(destination, None, destination.split(":")[3])
                runtime.invoke_async(target, json.dumps(record).encode())
            else:
                messaging.send(destination, json.dumps(record))
        elif failed and runtime.dead_letters.get(spec.arn):
            error = parse(result.payload)
            attributes = {
                "RequestID": {"DataType": "String", "StringValue": request_id},
                "ErrorCode": {"DataType": "Number", "StringValue": "200"},
                "ErrorMessage": {
                    "DataType": "String",
                    "StringValue": str(error.get("errorMessage", ""))[:1000],
                },
            }
            messaging.send(runtime.dead_letters[spec.arn], payload.decode("utf-8", "replace"), attributes)
    except Exception:
        log.exception("async invoke %s of %s: delivering the result failed", request_id, spec.name)


def parse(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def destination_record(
    spec: bridge.FunctionSpec, payload: bytes, request_id: str, result: InvokeResult, attempts: int
) -> dict[str, Any]:
    failed = result.function_error is not None
    response: Any
    try:
        response = json.loads(result.payload or b"null")
    except ValueError:
        response = result.payload.decode("utf-8", "replace")
    try:
        request: Any = json.loads(payload or b"null")
    except ValueError:
        request = payload.decode("utf-8", "replace")
    context: dict[str, Any] = {"statusCode": 200, "executedVersion": spec.version}
    if failed:
        context["functionError"] = result.function_error
    return {
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "requestContext": {
            "requestId": request_id,
            "functionArn": spec.qualified_arn,
            "condition": "RetriesExhausted" if failed else "Success",
            "approximateInvokeCount": attempts,
        },
        "requestPayload": request,
        "responseContext": context,
        "responsePayload": response,
    }
