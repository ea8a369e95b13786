"""S3 → Lambda: an upload really triggers the function, asynchronously, with AWS's event shape."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sandbox.scenarios.pytest_plugin import SessionSandbox
from tests.integration.lambda_helpers import client, create_function

pytestmark = pytest.mark.integration

# The function records each event it got as an object in the output bucket (through the sandbox endpoint).
RECORDER = """
import json, os, boto3
s3 = boto3.client("s3")

def handler(event, context):
    for record in event["Records"]:
        key = record["s3"]["object"]["key"]
        s3.put_object(Bucket=os.environ["OUT"], Key=record["eventName"] + "/" + key, Body=json.dumps(record))
    return "ok"
"""


def wait_for_objects(
    box: SessionSandbox, bucket: str, count: int, timeout: float = 10
) -> list[dict[str, Any]]:
    s3 = client(box, "s3")
    deadline = time.monotonic() + timeout
    keys: list[str] = []
    while time.monotonic() < deadline:
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
        if len(keys) >= count:
            break
        time.sleep(0.05)
    return [json.loads(s3.get_object(Bucket=bucket, Key=k)["Body"].read()) for k in sorted(keys)]


def setup(
    box: SessionSandbox, *, permission: bool = True, filters: dict[str, Any] | None = None
) -> tuple[str, str, str]:
    run = uuid.uuid4().hex[:8]
    source, out = f"in-{run}", f"out-{run}"
    s3 = client(box, "s3")
    s3.create_bucket(Bucket=source)
    s3.create_bucket(Bucket=out)
    name = create_function(box, RECORDER, Environment={"Variables": {"OUT": out}})
    arn = client(box, "lambda").get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    if permission:
        client(box, "lambda").add_permission(
            FunctionName=name,
            StatementId="s3",
            Action="lambda:InvokeFunction",
            Principal="s3.amazonaws.com",
            SourceArn=f"arn:aws:s3:::{source}",
        )
    config: dict[str, Any] = {
        "LambdaFunctionArn": arn,
        "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
    }
    if filters:
        config["Filter"] = {"Key": {"FilterRules": [{"Name": k, "Value": v} for k, v in filters.items()]}}
    s3.put_bucket_notification_configuration(
        Bucket=source, NotificationConfiguration={"LambdaFunctionConfigurations": [config]}
    )
    return source, out, name


def test_an_upload_triggers_the_function_with_an_aws_shaped_event(sandbox: SessionSandbox) -> None:
    source, out, _ = setup(sandbox)
    s3 = client(sandbox, "s3")
    started = time.monotonic()
    s3.put_object(Bucket=source, Key="photos/my cat.jpg", Body=b"x" * 1234)
    assert time.monotonic() - started < 1.0, "PutObject must not wait for the function"
    [record] = wait_for_objects(sandbox, out, 1)
    assert record["eventVersion"] == "2.1" and record["eventSource"] == "aws:s3"
    assert record["eventName"] == "ObjectCreated:Put" and record["awsRegion"] == "us-east-1"
    obj = record["s3"]["object"]
    assert obj["key"] == "photos/my+cat.jpg", "keys are URL-encoded, as S3 sends them"
    assert obj["size"] == 1234 and len(obj["eTag"]) == 32 and obj["sequencer"]
    assert record["s3"]["bucket"]["arn"] == f"arn:aws:s3:::{source}"


def test_copy_multipart_and_delete_events(sandbox: SessionSandbox) -> None:
    source, out, _ = setup(sandbox)
    s3 = client(sandbox, "s3")
    s3.put_object(Bucket=source, Key="a.txt", Body=b"a")
    s3.copy_object(Bucket=source, Key="b.txt", CopySource={"Bucket": source, "Key": "a.txt"})
    upload = s3.create_multipart_upload(Bucket=source, Key="big.bin")
    part = s3.upload_part(
        Bucket=source, Key="big.bin", UploadId=upload["UploadId"], PartNumber=1, Body=b"p" * 100
    )
    s3.complete_multipart_upload(
        Bucket=source,
        Key="big.bin",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]},
    )
    s3.delete_object(Bucket=source, Key="a.txt")
    names = sorted(r["eventName"] for r in wait_for_objects(sandbox, out, 4))
    assert names == [
        "ObjectCreated:CompleteMultipartUpload",
        "ObjectCreated:Copy",
        "ObjectCreated:Put",
        "ObjectRemoved:Delete",
    ]


def test_prefix_and_suffix_filters(sandbox: SessionSandbox) -> None:
    source, out, _ = setup(sandbox, filters={"prefix": "uploads/", "suffix": ".jpg"})
    s3 = client(sandbox, "s3")
    for key in ("uploads/a.jpg", "uploads/b.png", "other/c.jpg"):
        s3.put_object(Bucket=source, Key=key, Body=b"x")
    records = wait_for_objects(sandbox, out, 1)
    time.sleep(0.5)
    records = wait_for_objects(sandbox, out, 1)
    assert [r["s3"]["object"]["key"] for r in records] == ["uploads/a.jpg"]


def test_a_function_s3_may_not_invoke_is_refused(sandbox: SessionSandbox) -> None:
    with pytest.raises(ClientError) as caught:
        setup(sandbox, permission=False)
    error = caught.value.response["Error"]
    assert error["Code"] == "InvalidArgument"
    assert error["Message"] == "Unable to validate the following destination configurations"


def test_a_failing_function_never_fails_the_upload(sandbox: SessionSandbox) -> None:
    run = uuid.uuid4().hex[:8]
    s3 = client(sandbox, "s3")
    s3.create_bucket(Bucket=f"fail-{run}")
    name = create_function(sandbox, "def handler(e, c):\n    raise RuntimeError('nope')\n")
    lam = client(sandbox, "lambda")
    lam.add_permission(
        FunctionName=name, StatementId="s3", Action="lambda:InvokeFunction", Principal="s3.amazonaws.com"
    )
    arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    s3.put_bucket_notification_configuration(
        Bucket=f"fail-{run}",
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}]
        },
    )
    assert (
        s3.put_object(Bucket=f"fail-{run}", Key="k", Body=b"x")["ResponseMetadata"]["HTTPStatusCode"] == 200
    )


def test_sqs_destinations_are_delivered_too(sandbox: SessionSandbox) -> None:
    run = uuid.uuid4().hex[:8]
    s3, sqs = client(sandbox, "s3"), client(sandbox, "sqs")
    s3.create_bucket(Bucket=f"q-{run}")
    url = sqs.create_queue(QueueName=f"q-{run}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(
        Bucket=f"q-{run}",
        NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]
        },
    )
    s3.put_object(Bucket=f"q-{run}", Key="hello.txt", Body=b"x")
    bodies = [
        json.loads(m["Body"])
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=2).get(
            "Messages", []
        )
    ]
    records = [r for b in bodies for r in b.get("Records", [])]
    assert records and records[0]["s3"]["object"]["key"] == "hello.txt"
