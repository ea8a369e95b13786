"""`aws:` steps: any boto3 client operation, with `{zip: dir}` and `{file: path}` helpers in params."""

from __future__ import annotations

import base64
import datetime as dt
import difflib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from pydantic import model_validator

from sandbox.scenarios.context import RunContext
from sandbox.scenarios.model import Strict
from sandbox.scenarios.observation import Observation
from sandbox.scenarios.steps import StepKind


class AwsCall(Strict):
    service: str
    op: str
    params: dict[str, Any] = {}
    region: str | None = None
    force: bool = False

    @model_validator(mode="after")
    def _force_only_for_buckets(self) -> AwsCall:
        if self.force and not (self.service == "s3" and self.op in ("delete_bucket", "DeleteBucket")):
            raise ValueError(
                "force: true empties a bucket before delete_bucket (like `aws s3 rb --force`); "
                "it means nothing for other operations"
            )
        return self


def run(call: AwsCall, ctx: RunContext) -> Observation:
    from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

    sent = {"service": call.service, "op": call.op, "params": call.params}
    try:
        client = ctx.aws_client(call.service, call.region)
    except BotoCoreError as exc:
        return Observation(sent=sent, ok=False, error=type(exc).__name__, message=str(exc))
    method_name = _method_name(client, call.op)
    if method_name is not None:
        operation = client.meta.service_model.operation_model(client.meta.method_to_api_mapping[method_name])
        params = _helpers(call.params, ctx, operation.input_shape)
    if method_name is None:
        ops = sorted(client.meta.method_to_api_mapping)
        close = difflib.get_close_matches(call.op, ops, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return Observation(
            sent=sent,
            ok=False,
            error="UnknownOperation",
            message=f"{call.service} has no operation {call.op!r}{hint}",
        )
    try:
        if call.force:
            _empty_bucket(client, params["Bucket"])
        response = getattr(client, method_name)(**params)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return Observation(
            sent=sent,
            ok=False,
            error=error.get("Code"),
            message=error.get("Message"),
            status=status,
            json=_plain(exc.response),
        )
    except ParamValidationError as exc:
        return Observation(sent=sent, ok=False, error="ParamValidationError", message=str(exc))
    except BotoCoreError as exc:
        return Observation(sent=sent, ok=False, error=type(exc).__name__, message=str(exc))
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    response.pop("ResponseMetadata", None)
    if isinstance(response.get("LogResult"), str):
        # Lambda's LogType=Tail log comes base64-encoded; a scenario wants to read its REPORT line.
        response["LogResult"] = base64.b64decode(response["LogResult"]).decode("utf-8", "replace")
    return Observation(sent=sent, ok=True, status=status, json=_plain(response))


def _method_name(client: Any, op: str) -> str | None:
    mapping: dict[str, str] = client.meta.method_to_api_mapping
    if op in mapping:
        return op
    for method, api in mapping.items():
        if api == op:
            return method
    return None


def _helpers(value: Any, ctx: RunContext, shape: Any = None) -> Any:
    """Replace `{zip: dir}` / `{file: path}` with the file's content: bytes for a blob member, text for a
    string member (a policy document, a template), following the operation's input shape."""
    if isinstance(value, dict):
        if set(value) in ({"zip"}, {"file"}):
            raw = (
                zip_path(ctx.path(str(value["zip"])))
                if "zip" in value
                else ctx.path(str(value["file"])).read_bytes()
            )
            return raw.decode("utf-8") if getattr(shape, "type_name", None) == "string" else raw
        members = getattr(shape, "members", None) or {}
        value_shape = getattr(shape, "value", None)
        return {k: _helpers(v, ctx, members.get(k, value_shape)) for k, v in value.items()}
    if isinstance(value, list):
        return [_helpers(v, ctx, getattr(shape, "member", None)) for v in value]
    return value


def zip_path(path: Path) -> bytes:
    """A deployment package: a folder's contents at the zip's root (or one file), stable timestamps."""
    if not path.exists():
        raise FileNotFoundError(f"nothing to zip at {path}")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for file in files:
            if "__pycache__" in file.parts:
                continue
            name = file.name if path.is_file() else str(file.relative_to(path))
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (file.stat().st_mode & 0o777) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, file.read_bytes())
    return buffer.getvalue()


def _empty_bucket(client: Any, bucket: str) -> None:
    from botocore.exceptions import ClientError

    try:
        paginator = client.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=bucket):
            objects = [
                {"Key": o["Key"], "VersionId": o["VersionId"]}
                for o in page.get("Versions", []) + page.get("DeleteMarkers", [])
            ]
            if objects:
                client.delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": True})
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NoSuchBucket":
            raise


def _plain(value: Any) -> Any:
    """boto3's response as JSON-able data: streams read, bytes decoded, datetimes as ISO text, and JSON
    documents held in strings parsed."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if hasattr(value, "read") and callable(value.read):
        return _decode(value.read())
    if isinstance(value, bytes | bytearray):
        return _decode(bytes(value))
    if isinstance(value, str) and value[:1] in ("{", "[") and value[-1:] in ("}", "]"):
        # JSON documents inside strings (an SQS Body, a Lambda Policy) are parsed, so paths reach into them.
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _decode(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return base64.b64encode(raw).decode()
    try:
        return json.loads(text)
    except ValueError:
        return text


def describe(call: AwsCall) -> str:
    return f"aws {call.service} {call.op}"


KIND = StepKind(
    name="aws",
    body=AwsCall,
    run=run,
    describe=describe,
    not_found_codes=(
        "ResourceNotFoundException",
        "NoSuchEntity",
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
        "NotFoundException",
        "NotFound",
    ),
)
