"""Lambda functions really run: through boto3 against the sandbox, as a learner's code would."""

from __future__ import annotations

import base64
import json
import re
import time
from typing import Any

import pytest

from sandbox.scenarios.pytest_plugin import SessionSandbox
from tests.integration.lambda_helpers import client, create_function, zip_of

pytestmark = pytest.mark.integration

REPORT = re.compile(
    r"REPORT RequestId: (?P<id>[0-9a-f-]{36})\tDuration: (?P<duration>[\d.]+) ms\tBilled Duration: (?P<billed>\d+) ms\t"
    r"Memory Size: (?P<memory>\d+) MB\tMax Memory Used: (?P<used>\d+) MB\t(Init Duration: (?P<init>[\d.]+) ms\t)?$",
    re.MULTILINE,
)

ECHO = """
import json, os, time

def handler(event, context):
    print("event", json.dumps(event))
    if event.get("raise"):
        raise ValueError(event["raise"])
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("spin"):
        start = time.process_time()
        while time.process_time() - start < event["spin"]:
            pass
    if event.get("allocate_mb"):
        hog = bytearray(event["allocate_mb"] * 1024 * 1024)
        hog[::4096] = b"x" * len(hog[::4096])
    return {"request_id": context.aws_request_id, "memory": context.memory_limit_in_mb,
            "remaining_ms": context.get_remaining_time_in_millis(), "env": dict(os.environ),
            "cwd": os.getcwd(), "version": context.function_version}
"""


def invoke(
    box: SessionSandbox, name: str, event: dict[str, Any] | None = None, **kwargs: Any
) -> dict[str, Any]:
    response = client(box, "lambda").invoke(
        FunctionName=name, Payload=json.dumps(event or {}).encode(), LogType="Tail", **kwargs
    )
    response["body"] = json.loads(response["Payload"].read() or b"null")
    response["log"] = base64.b64decode(response.get("LogResult", "")).decode()
    return response


def test_a_function_runs_and_logs_like_lambda(sandbox: SessionSandbox) -> None:
    name = create_function(sandbox, ECHO, MemorySize=256)
    first = invoke(sandbox, name, {"hello": "world"})
    assert first["StatusCode"] == 200 and "FunctionError" not in first
    assert first["ExecutedVersion"] == "$LATEST"
    assert first["body"]["memory"] == "256" and 0 < first["body"]["remaining_ms"] <= 10_000
    assert 'event {"hello": "world"}' in first["log"]
    cold = REPORT.search(first["log"])
    assert cold is not None and cold["id"] == first["body"]["request_id"] and cold["init"] is not None
    assert cold["memory"] == "256" and int(cold["billed"]) >= float(cold["duration"])
    assert first["log"].index("START RequestId:") < first["log"].index("END RequestId:")

    warm = invoke(sandbox, name, {})
    report = REPORT.search(warm["log"])
    assert report is not None and report["init"] is None, "a warm invoke has no Init Duration"

    import requests

    state = requests.get(f"{sandbox.aws_url}/_sandbox/lambda", timeout=5).json()["functions"]
    counters = next(v for k, v in state.items() if k.endswith(f":function:{name}"))
    assert counters["cold_starts"] == 1 and counters["invocations"] == 2 and counters["idle"] == 1

    logs = client(sandbox, "logs")
    events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
    messages = [e["message"] for e in events]
    assert sum(m.startswith("REPORT RequestId:") for m in messages) == 2
    assert logs.describe_log_streams(logGroupName=f"/aws/lambda/{name}")["logStreams"][0][
        "logStreamName"
    ].endswith(tuple("0123456789abcdef"))


def test_the_function_sees_a_scrubbed_environment(sandbox: SessionSandbox) -> None:
    name = create_function(
        sandbox, ECHO, Environment={"Variables": {"STAGE": "lab", "AWS_REGION": "eu-west-1"}}
    )
    env = invoke(sandbox, name)["body"]["env"]
    assert env["STAGE"] == "lab"
    assert env["AWS_REGION"] == "us-east-1", "Lambda's reserved variables win over the function's"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == name and env["AWS_ENDPOINT_URL"] == sandbox.aws_url
    assert env["AWS_ACCESS_KEY_ID"] == "test"
    leaked = [
        k
        for k in env
        if k.startswith(("SANDBOX_", "PYTEST", "VIRTUAL_ENV")) or k in ("USER", "SSH_AUTH_SOCK")
    ]
    assert not leaked, f"host variables leaked into the function: {leaked}"


def test_errors_timeouts_and_memory_fail_as_on_lambda(sandbox: SessionSandbox) -> None:
    name = create_function(sandbox, ECHO, Timeout=1)
    failed = invoke(sandbox, name, {"raise": "boom"})
    assert failed["FunctionError"] == "Unhandled"
    assert failed["body"]["errorType"] == "ValueError" and failed["body"]["errorMessage"] == "boom"
    assert "stackTrace" in failed["body"]

    timed_out = invoke(sandbox, name, {"sleep": 5})
    assert timed_out["FunctionError"] == "Unhandled"
    assert "Task timed out after 1.00 seconds" in timed_out["body"]["errorMessage"]
    assert "Task timed out after 1.00 seconds" in timed_out["log"]
    after = invoke(sandbox, name, {})
    assert REPORT.search(after["log"])["init"] is not None, "the timed-out environment was replaced"  # type: ignore[index]

    oom = invoke(sandbox, name, {"allocate_mb": 400})
    assert oom["body"]["errorType"] == "Runtime.OutOfMemory"
    assert "Max Memory Used: 128 MB" in oom["log"]


def test_init_errors_and_unknown_runtimes(sandbox: SessionSandbox) -> None:
    broken = create_function(sandbox, "import does_not_exist\ndef handler(e, c):\n    return 1\n")
    result = invoke(sandbox, broken)
    assert result["FunctionError"] == "Unhandled"
    assert result["body"]["errorType"] == "Runtime.ImportModuleError"
    assert "does_not_exist" in result["body"]["errorMessage"]

    missing = create_function(sandbox, ECHO, Handler="app.nope")
    assert invoke(sandbox, missing)["body"]["errorType"] == "Runtime.HandlerNotFound"

    java = create_function(sandbox, ECHO, Runtime="java21", Handler="x.Handler::handle")
    lam = client(sandbox, "lambda")
    with pytest.raises(lam.exceptions.InvalidRuntimeException, match="java21 is not supported"):
        lam.invoke(FunctionName=java, Payload=b"{}")


def test_invocation_types_payload_checks_and_missing_functions(sandbox: SessionSandbox) -> None:
    name = create_function(sandbox, ECHO)
    lam = client(sandbox, "lambda")
    assert lam.invoke(FunctionName=name, InvocationType="DryRun")["StatusCode"] == 204
    assert lam.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")["StatusCode"] == 202
    with pytest.raises(lam.exceptions.InvalidRequestContentException):
        lam.invoke(FunctionName=name, Payload=b"not json")
    with pytest.raises(lam.exceptions.ResourceNotFoundException, match="Function not found"):
        lam.invoke(FunctionName="no-such-function", Payload=b"{}")


def test_reserved_concurrency_throttles_with_429(sandbox: SessionSandbox) -> None:
    name = create_function(sandbox, ECHO)
    lam = client(sandbox, "lambda")
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(lam.exceptions.TooManyRequestsException) as caught:
        lam.invoke(FunctionName=name, Payload=b"{}")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert caught.value.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"


def test_versions_aliases_and_qualifiers(sandbox: SessionSandbox) -> None:
    source = "def handler(event, context):\n    return {'says': 'v%d', 'version': context.function_version}\n"
    name = create_function(sandbox, source % 1)
    lam = client(sandbox, "lambda")
    assert lam.publish_version(FunctionName=name)["Version"] == "1"
    lam.update_function_code(FunctionName=name, ZipFile=zip_of({"app.py": source % 2}))
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")

    assert invoke(sandbox, name)["body"]["says"] == "v2"
    pinned = invoke(sandbox, name, Qualifier="1")
    assert pinned["body"] == {"says": "v1", "version": "1"} and pinned["ExecutedVersion"] == "1"
    assert invoke(sandbox, f"{name}:live")["body"]["says"] == "v1"


def test_cpu_is_shared_by_memory_size(sandbox: SessionSandbox) -> None:
    small = create_function(sandbox, ECHO, MemorySize=128)
    large = create_function(sandbox, ECHO, MemorySize=1769)
    durations = {}
    for name in (small, large):
        invoke(sandbox, name)  # leave the cold start out
        report = REPORT.search(invoke(sandbox, name, {"spin": 0.03})["log"])
        assert report is not None
        durations[name] = float(report["duration"])
    # 128 MB gets 128/1769 of a vCPU: 30 ms of CPU takes about 13.8 times as long.
    assert durations[small] > 5 * durations[large]
    assert durations[large] >= 30


def test_provided_runtime_runs_a_bootstrap(sandbox: SessionSandbox) -> None:
    bootstrap = """
    #!/usr/bin/env python3
    import json, os, urllib.request
    api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
    while True:
        with urllib.request.urlopen(api + "next") as r:
            request_id = r.headers["Lambda-Runtime-Aws-Request-Id"]
            event = json.loads(r.read())
        body = json.dumps({"bootstrap": True, "echo": event}).encode()
        urllib.request.urlopen(urllib.request.Request(api + request_id + "/response", data=body, method="POST"))
    """
    name = create_function(
        sandbox,
        {"bootstrap": bootstrap},
        Runtime="provided.al2023",
        Handler="unused",
        modes={"bootstrap": 0o755},
    )
    assert invoke(sandbox, name, {"n": 1})["body"] == {"bootstrap": True, "echo": {"n": 1}}


def test_nodejs_functions_run_when_node_is_installed(sandbox: SessionSandbox) -> None:
    import shutil

    if shutil.which("node") is None:
        pytest.skip("node is not installed on this machine")
    source = "export const handler = async (event, context) => ({ node: true, got: event, id: context.awsRequestId });\n"
    name = create_function(sandbox, {"index.mjs": source}, Runtime="nodejs20.x", Handler="index.handler")
    result = invoke(sandbox, name, {"x": 1})
    assert result["body"]["node"] is True and result["body"]["got"] == {"x": 1}
    failing = create_function(
        sandbox,
        {"index.mjs": "export const handler = async () => { throw new TypeError('bad'); };\n"},
        Runtime="nodejs20.x",
        Handler="index.handler",
    )
    failed = invoke(sandbox, failing)
    assert failed["FunctionError"] == "Unhandled" and failed["body"]["errorType"] == "TypeError"


def test_provisioned_concurrency_prewarms(sandbox: SessionSandbox) -> None:
    name = create_function(sandbox, ECHO)
    lam = client(sandbox, "lambda")
    version = lam.publish_version(FunctionName=name)["Version"]
    config = lam.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier=version, ProvisionedConcurrentExecutions=1
    )
    assert config["Status"] == "READY"
    report = REPORT.search(invoke(sandbox, name, Qualifier=version)["log"])
    assert report is not None and report["init"] is None, "a provisioned environment has no cold start"


def test_async_invocations_retry_then_reach_the_dead_letter_queue(sandbox: SessionSandbox) -> None:
    sqs = client(sandbox, "sqs")
    queue_url = sqs.create_queue(QueueName=f"dlq-{int(time.time() * 1000)}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    name = create_function(
        sandbox,
        "def handler(event, context):\n    raise RuntimeError('always')\n",
        DeadLetterConfig={"TargetArn": queue_arn},
    )
    client(sandbox, "lambda").invoke(FunctionName=name, InvocationType="Event", Payload=b'{"order": 7}')
    deadline = time.monotonic() + 20
    messages: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not messages:
        messages = sqs.receive_message(
            QueueUrl=queue_url, MessageAttributeNames=["All"], WaitTimeSeconds=1
        ).get("Messages", [])
    assert messages, "the failed event never reached the DLQ"
    assert json.loads(messages[0]["Body"]) == {"order": 7}
    assert messages[0]["MessageAttributes"]["ErrorMessage"]["StringValue"] == "always"
    reports = [
        e["message"]
        for e in client(sandbox, "logs").filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
        if e["message"].startswith("REPORT")
    ]
    assert len(reports) == 3, "one attempt and two retries"


def test_layers_are_importable(sandbox: SessionSandbox) -> None:
    lam = client(sandbox, "lambda")
    layer = lam.publish_layer_version(
        LayerName=f"greetings-{int(time.time() * 1000)}",
        Content={
            "ZipFile": zip_of({"python/greetings.py": "def hello(name):\n    return f'annyeong, {name}'\n"})
        },
        CompatibleRuntimes=["python3.12"],
    )
    source = "import greetings\n\ndef handler(event, context):\n    return greetings.hello(event['name'])\n"
    name = create_function(sandbox, source, Layers=[layer["LayerVersionArn"]])
    assert invoke(sandbox, name, {"name": "student"})["body"] == "annyeong, student"


def test_async_failures_go_to_the_on_failure_destination(sandbox: SessionSandbox) -> None:
    sqs = client(sandbox, "sqs")
    queue_url = sqs.create_queue(QueueName=f"failures-{int(time.time() * 1000)}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    name = create_function(sandbox, "def handler(event, context):\n    raise KeyError('missing')\n")
    lam = client(sandbox, "lambda")
    lam.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": queue_arn}}
    )
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"id": 1}')
    messages: list[dict[str, Any]] = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not messages:
        messages = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages", [])
    assert messages, "no record reached the on-failure destination"
    record = json.loads(messages[0]["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["requestPayload"] == {"id": 1}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorType"] == "KeyError"


def test_a_configuration_change_retires_the_old_environments(sandbox: SessionSandbox) -> None:
    import requests

    name = create_function(sandbox, ECHO)
    invoke(sandbox, name)
    client(sandbox, "lambda").update_function_configuration(FunctionName=name, MemorySize=512)
    after = invoke(sandbox, name)
    assert after["body"]["memory"] == "512"
    assert REPORT.search(after["log"])["init"] is not None  # type: ignore[index]
    time.sleep(0.2)
    state = requests.get(f"{sandbox.aws_url}/_sandbox/lambda", timeout=5).json()["functions"]
    counters = next(v for k, v in state.items() if k.endswith(f":function:{name}"))
    assert counters["idle"] == 1, "only the new configuration's environment stays warm"


def test_deleting_a_function_ends_its_environments(sandbox: SessionSandbox) -> None:
    import requests

    name = create_function(sandbox, ECHO)
    lam = client(sandbox, "lambda")
    version = lam.publish_version(FunctionName=name)["Version"]
    lam.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier=version, ProvisionedConcurrentExecutions=1
    )
    invoke(sandbox, name)
    lam.delete_function(FunctionName=name)
    state = requests.get(f"{sandbox.aws_url}/_sandbox/lambda", timeout=5).json()["functions"]
    left = {k: v for k, v in state.items() if k.endswith(f":function:{name}")}
    assert all(v.get("idle", 0) == 0 and v.get("busy", 0) == 0 for v in left.values())


def test_each_environment_has_its_own_working_directory(sandbox: SessionSandbox) -> None:
    source = (
        "import os\n\ndef handler(event, context):\n"
        "    with open('visits.txt', 'a') as f:\n        f.write('x')\n"
        "    return {'visits': len(open('visits.txt').read()), 'cwd': os.getcwd(), 'tmp': os.environ['TMPDIR']}\n"
    )
    name = create_function(sandbox, source)
    first, second = invoke(sandbox, name)["body"], invoke(sandbox, name)["body"]
    assert (first["visits"], second["visits"]) == (1, 2), "one warm environment keeps its files"
    client(sandbox, "lambda").update_function_configuration(
        FunctionName=name, Environment={"Variables": {"V": "2"}}
    )
    fresh = invoke(sandbox, name)["body"]
    assert fresh["visits"] == 1, "a new environment starts from the deployment package, not a sibling's files"
    assert fresh["cwd"] != first["cwd"] and fresh["tmp"] != first["tmp"]
