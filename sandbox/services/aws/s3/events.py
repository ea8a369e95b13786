"""S3 event notification records in AWS's shape (eventVersion 2.1)."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

from sandbox.services.aws.bridge.s3 import ObjectInfo

_SEQUENCE = itertools.count(int(time.time() * 1000) << 8)


def sequencer() -> str:
    """Increasing per event, as S3's hex sequencer is per key: later events sort after earlier ones."""
    return f"{next(_SEQUENCE):016X}"


def record(
    *,
    event: str,
    bucket: str,
    key: str,
    region: str,
    account_id: str,
    info: ObjectInfo | None,
    configuration_id: str,
    source_ip: str,
) -> dict[str, Any]:
    obj: dict[str, Any] = {"key": quote_plus(key, safe="/"), "sequencer": sequencer()}
    if info is not None and event.startswith("ObjectCreated"):
        obj["size"] = info.size
        obj["eTag"] = info.etag
    if info is not None and info.version_id:
        obj["versionId"] = info.version_id
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "eventName": event,
        "userIdentity": {"principalId": f"AWS:{account_id}"},
        "requestParameters": {"sourceIPAddress": source_ip},
        "responseElements": {"x-amz-request-id": f"{next(_SEQUENCE):016X}", "x-amz-id-2": "sandbox"},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id,
            "bucket": {
                "name": bucket,
                "ownerIdentity": {"principalId": account_id},
                "arn": f"arn:aws:s3:::{bucket}",
            },
            "object": obj,
        },
    }
