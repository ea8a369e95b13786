"""What every AWS provider shares: settings, the moto fallback, and the behaviour engines built once
(the Lambda runtime is used by Invoke, S3 notifications and API Gateway alike)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from sandbox.core.config import Settings

if TYPE_CHECKING:
    from sandbox.services.aws.lambda_.runtime import LambdaRuntime
    from sandbox.services.aws.moto_fallback import MotoFallback


class AwsContext:
    def __init__(self, settings: Settings, fallback: MotoFallback) -> None:
        self.settings = settings
        self.fallback = fallback

    @property
    def account_id(self) -> str:
        return self.settings.account_id

    @functools.cached_property
    def lambda_runtime(self) -> LambdaRuntime:
        from sandbox.services.aws.lambda_.runtime import LambdaRuntime

        return LambdaRuntime(self)

    def started(self, name: str) -> bool:
        """Whether an engine was ever built (so stop/reset need not build one just to stop it)."""
        return name in self.__dict__
