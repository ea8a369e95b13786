"""The AWS endpoint through real clients: the aws CLI, boto3 and plain HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from sandbox.scenarios.pytest_plugin import SessionSandbox

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
AWS = str(Path(sys.executable).parent / "aws")


def client(box: SessionSandbox, service: str, **config: object) -> object:
    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=box.aws_url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(**config),  # type: ignore[arg-type]
    )


def aws(box: SessionSandbox, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | box.env()
    return subprocess.run([AWS, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)


def name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_the_aws_cli_round_trip_from_the_readme(sandbox: SessionSandbox) -> None:
    bucket = name("cli")
    made = aws(sandbox, "s3", "mb", f"s3://{bucket}")
    assert made.returncode == 0, made.stderr
    copied = aws(sandbox, "s3", "cp", "README.md", f"s3://{bucket}/")
    assert copied.returncode == 0, copied.stderr
    listed = aws(sandbox, "s3", "ls", f"s3://{bucket}")
    assert listed.returncode == 0 and "README.md" in listed.stdout
    back = aws(sandbox, "s3", "cp", f"s3://{bucket}/README.md", "-")
    assert back.stdout == (ROOT / "README.md").read_text()
    assert aws(sandbox, "s3", "rb", f"s3://{bucket}", "--force").returncode == 0


def test_the_aws_cli_reports_aws_errors(sandbox: SessionSandbox) -> None:
    missing = aws(sandbox, "s3api", "head-object", "--bucket", name("nope"), "--key", "k")
    assert missing.returncode == 255 and "Not Found" in missing.stderr
    table = aws(sandbox, "dynamodb", "describe-table", "--table-name", name("nope"))
    assert table.returncode == 255 and "ResourceNotFoundException" in table.stderr


def test_the_aws_cli_json_protocol_services(sandbox: SessionSandbox) -> None:
    identity = aws(sandbox, "sts", "get-caller-identity", "--query", "Account", "--output", "text")
    assert identity.stdout.strip() == "000000000000"
    table = name("t")
    created = aws(
        sandbox, "dynamodb", "create-table", "--table-name", table,
        "--attribute-definitions", "AttributeName=pk,AttributeType=S",
        "--key-schema", "AttributeName=pk,KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert table in aws(sandbox, "dynamodb", "list-tables").stdout


def signed(method: str, url: str, body: bytes = b"") -> dict[str, str]:
    """The headers boto3 would send for this URL (SigV4 for s3), to replay against loopback."""
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method=method, url=url, data=body)
    S3SigV4Auth(Credentials("test", "test"), "s3", "us-east-1").add_auth(request)
    return {**dict(request.headers.items()), "Host": url.split("/")[2]}


def test_s3_virtual_host_and_path_style_see_the_same_bucket(sandbox: SessionSandbox) -> None:
    bucket = name("vh")
    path_style = client(sandbox, "s3", s3={"addressing_style": "path"})
    path_style.create_bucket(Bucket=bucket)  # type: ignore[attr-defined]
    port = sandbox.aws_url.rsplit(":", 1)[1]
    for host in (f"{bucket}.s3.localhost.localstack.cloud:{port}", f"{bucket}.localhost:{port}"):
        headers = signed("PUT", f"http://{host}/vh.txt", b"virtual")
        put = requests.put(f"{sandbox.aws_url}/vh.txt", data=b"virtual", headers=headers, timeout=10)
        assert put.status_code == 200, put.text
    got = path_style.get_object(Bucket=bucket, Key="vh.txt")  # type: ignore[attr-defined]
    assert got["Body"].read() == b"virtual"
    host = f"{bucket}.s3.localhost.localstack.cloud:{port}"
    listing = requests.get(f"{sandbox.aws_url}/", headers=signed("GET", f"http://{host}/"), timeout=10)
    assert listing.status_code == 200 and "<Key>vh.txt</Key>" in listing.text


def test_presigned_urls_work_with_plain_http(sandbox: SessionSandbox) -> None:
    s3 = client(sandbox, "s3")
    bucket = name("pre")
    s3.create_bucket(Bucket=bucket)  # type: ignore[attr-defined]
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "p"})  # type: ignore[attr-defined]
    assert requests.put(put_url, data=b"presigned", timeout=10).status_code == 200
    get_url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "p"})  # type: ignore[attr-defined]
    assert requests.get(get_url, timeout=10).content == b"presigned"


def test_boto3_errors_keep_their_aws_codes(sandbox: SessionSandbox) -> None:
    with pytest.raises(ClientError) as caught:
        client(sandbox, "s3").get_object(Bucket=name("gone"), Key="x")  # type: ignore[attr-defined]
    assert caught.value.response["Error"]["Code"] == "NoSuchBucket"
    with pytest.raises(ClientError) as sqs_error:
        client(sandbox, "sqs").get_queue_url(QueueName=name("gone"))  # type: ignore[attr-defined]
    assert sqs_error.value.response["Error"]["Code"] in (
        "QueueDoesNotExist",
        "AWS.SimpleQueueService.NonExistentQueue",
    )


def test_a_service_moto_lacks_gets_an_aws_shaped_501(sandbox: SessionSandbox) -> None:
    headers = {
        "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/nosuchsvc/aws4_request, "
        "SignedHeaders=host, Signature=0",
        "X-Amz-Target": "NoSuch.Operation",
        "Content-Type": "application/x-amz-json-1.1",
    }
    answer = requests.post(sandbox.aws_url, data=b"{}", headers=headers, timeout=10)
    assert answer.status_code == 501
    assert answer.json()["__type"] == "InternalFailure"
    assert "nosuchsvc" in answer.json()["message"]


def test_health_endpoints_in_both_shapes(sandbox: SessionSandbox) -> None:
    ours = requests.get(f"{sandbox.aws_url}/_sandbox/health", timeout=5).json()
    assert ours["status"] == "running"
    localstack = requests.get(f"{sandbox.aws_url}/_localstack/health", timeout=5).json()
    assert localstack["services"]["s3"] in ("available", "running")
    assert "version" in localstack and localstack["edition"] == "community"
    assert requests.get(f"{sandbox.aws_url}/_sandbox/nothing", timeout=5).status_code == 404
