"""S3 state our notification dispatcher reads from moto: objects' metadata and buckets' regions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ObjectInfo:
    size: int
    etag: str
    version_id: str | None


def _backend(account_id: str) -> Any:
    from moto.s3.models import s3_backends

    return s3_backends[account_id]["aws"]


def bucket_region(account_id: str, bucket: str) -> str | None:
    try:
        return str(_backend(account_id).get_bucket(bucket).region_name)
    except Exception:  # moto's MissingBucket: no bucket, no region
        return None


def object_info(account_id: str, bucket: str, key: str) -> ObjectInfo | None:
    try:
        found = _backend(account_id).get_object(bucket, key)
    except Exception:
        return None
    if found is None:
        return None
    version = getattr(found, "version_id", None)
    return ObjectInfo(
        size=int(found.size),
        etag=str(found.etag).strip('"'),
        version_id=None if version in (None, "null") else str(version),
    )
