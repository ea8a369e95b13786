"""Delivering messages into moto's SQS queues and SNS topics by ARN (DLQs, destinations, notifications)."""

from __future__ import annotations

from typing import Any


def _parts(arn: str) -> tuple[str, str, str, str]:
    # arn:aws:sqs:us-east-1:000000000000:queue-name
    parts = arn.split(":")
    if len(parts) < 6:
        raise ValueError(f"not an ARN: {arn}")
    return parts[2], parts[3], parts[4], parts[5]


def send(arn: str, body: str, attributes: dict[str, Any] | None = None) -> None:
    """Send to an SQS queue or publish to an SNS topic, whichever the ARN names."""
    service, region, account, name = _parts(arn)
    if service == "sqs":
        from moto.sqs.models import sqs_backends

        sqs_backends[account][region].send_message(name, body, message_attributes=attributes or {})
    elif service == "sns":
        from moto.sns.models import sns_backends

        sns_backends[account][region].publish(body, arn)
    elif service == "lambda":
        raise ValueError("a Lambda destination is invoked by the runtime, not sent as a message")
    else:
        raise ValueError(f"unsupported destination service {service!r} in {arn}")
