"""The leak check: after cleanup, nothing named with this run's id may remain.

Every scenario names its resources with `${run_id}`, so what is left is found by listing each service and
looking for the id. A listing that fails (a service the target does not have) is skipped, not guessed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.scenarios.context import RunContext

Lister = Callable[[Any], list[str]]

AWS_LISTERS: dict[str, Lister] = {
    "s3": lambda c: [b["Name"] for b in c.list_buckets().get("Buckets", [])],
    "dynamodb": lambda c: c.list_tables().get("TableNames", []),
    "sqs": lambda c: c.list_queues().get("QueueUrls", []),
    "sns": lambda c: [t["TopicArn"] for t in c.list_topics().get("Topics", [])],
    "lambda": lambda c: [f["FunctionName"] for f in c.list_functions().get("Functions", [])],
    "apigateway": lambda c: [f"{a['name']} ({a['id']})" for a in c.get_rest_apis().get("items", [])],
    "iam": lambda c: [r["RoleName"] for r in c.list_roles().get("Roles", [])],
}


def leftovers(ctx: RunContext, needs: list[str]) -> dict[str, list[str]]:
    from botocore.exceptions import BotoCoreError, ClientError

    found: dict[str, list[str]] = {}
    if "aws" not in needs:
        return found
    for service, lister in AWS_LISTERS.items():
        try:
            names = lister(ctx.aws_client(service))
        except (BotoCoreError, ClientError):
            continue
        left = [name for name in names if ctx.run_id in name]
        if left:
            found[service] = left
    return found
