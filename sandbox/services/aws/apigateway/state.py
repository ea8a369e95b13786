"""State the data plane (execute-api) and the control-plane wrappers share: usage counts, throttle buckets,
the authorizer cache and deployment snapshots. One set per AwsContext, so two sandboxes in one process
never mix."""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

from sandbox.services.aws.apigateway.authorizers import AuthorizerCache
from sandbox.services.aws.apigateway.usage import UsageLedger
from sandbox.services.aws.bridge.apigateway import RestApi


class DeploymentSnapshots:
    """A REST API as it was when each deployment was created: what a stage serves until it is redeployed.

    moto keeps only the live definition, so the snapshot is taken when CreateDeployment passes through.
    Deployments made where we could not see them (CloudFormation inside moto) have none; their stages serve
    the live definition.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._apis: dict[tuple[str, str, str], RestApi] = {}

    def put(self, api: RestApi, deployment_id: str) -> None:
        with self._lock:
            self._apis[(api.account_id, api.id, deployment_id)] = api

    def get(self, account_id: str, api_id: str, deployment_id: str | None) -> RestApi | None:
        if not deployment_id:
            return None
        with self._lock:
            return self._apis.get((account_id, api_id, deployment_id))

    def reset(self) -> None:
        with self._lock:
            self._apis.clear()


@dataclass
class SharedState:
    usage: UsageLedger = field(default_factory=UsageLedger)
    authorizer_cache: AuthorizerCache = field(default_factory=AuthorizerCache)
    deployments: DeploymentSnapshots = field(default_factory=DeploymentSnapshots)

    def reset(self) -> None:
        self.usage.reset()
        self.authorizer_cache.reset()
        self.deployments.reset()


_STATES: weakref.WeakKeyDictionary[Any, SharedState] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def shared(ctx: Any) -> SharedState:
    with _LOCK:
        state = _STATES.get(ctx)
        if state is None:
            state = _STATES[ctx] = SharedState()
        return state
