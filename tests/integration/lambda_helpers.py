"""Building functions for tests: zips from inline source, a role, clients against the session sandbox."""

from __future__ import annotations

import contextlib
import io
import textwrap
import uuid
import zipfile
from typing import Any

import boto3
from botocore.config import Config

from sandbox.scenarios.pytest_plugin import SessionSandbox

ROLE = "arn:aws:iam::000000000000:role/lambda-test"


def client(box: SessionSandbox, service: str) -> Any:
    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=box.aws_url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}, read_timeout=90),
    )


def zip_of(files: dict[str, str], modes: dict[str, int] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, source in files.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = ((modes or {}).get(name, 0o644)) << 16
            archive.writestr(info, textwrap.dedent(source).lstrip())
    return buffer.getvalue()


def ensure_role(box: SessionSandbox) -> None:
    iam = client(box, "iam")
    with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
        iam.create_role(
            RoleName="lambda-test", AssumeRolePolicyDocument='{"Version": "2012-10-17", "Statement": []}'
        )


def create_function(box: SessionSandbox, source: str | dict[str, str], **overrides: Any) -> str:
    ensure_role(box)
    name = overrides.pop("FunctionName", f"fn-{uuid.uuid4().hex[:8]}")
    files = {"app.py": source} if isinstance(source, str) else source
    params: dict[str, Any] = {
        "FunctionName": name,
        "Runtime": "python3.12",
        "Handler": "app.handler",
        "Role": ROLE,
        "Code": {"ZipFile": zip_of(files, overrides.pop("modes", None))},
        "Timeout": 10,
    }
    params.update(overrides)
    client(box, "lambda").create_function(**params)
    return name
