"""What a running scenario knows: its variables, where the clouds are, and how to resolve `${…}`."""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_REF = re.compile(r"\$\{([^}]+)\}")


class InterpolationError(Exception):
    def __init__(self, message: str, name: str = "") -> None:
        super().__init__(message)
        self.name = name


@dataclass(frozen=True)
class Endpoints:
    """Where the scenario's clients go. `aws=None` means the SDK's own default (real AWS)."""

    aws: str | None
    region: str = "us-east-1"

    @classmethod
    def from_env(cls) -> Endpoints:
        """`sandbox env` exports; without them, the local sandbox's settings."""
        from sandbox.core.config import Settings

        region = os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or "us-east-1"
        if "AWS_ENDPOINT_URL" in os.environ:
            return cls(aws=os.environ["AWS_ENDPOINT_URL"] or None, region=region)
        settings = Settings.from_env()
        return cls(aws=settings.url("aws"), region=settings.region)


def new_run_id() -> str:
    """Short, lower-case, starts with a letter: valid in bucket, queue, table and Kubernetes names."""
    return "r" + secrets.token_hex(3)


@dataclass
class RunContext:
    root: Path
    endpoints: Endpoints
    run_id: str = field(default_factory=new_run_id)
    values: dict[str, Any] = field(default_factory=dict)
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict)

    def builtins(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "region": self.endpoints.region,
            "aws_endpoint": self.endpoints.aws or "",
            "account_id": os.environ.get("SANDBOX_ACCOUNT_ID", "000000000000"),
        }

    def lookup(self, name: str) -> Any:
        name = name.strip()
        if name.startswith("env:"):
            var = name[4:]
            if var not in os.environ:
                raise InterpolationError(f"environment variable {var!r} is not set")
            return os.environ[var]
        if name in self.values:
            return self.values[name]
        builtins = self.builtins()
        if name in builtins:
            return builtins[name]
        known = sorted({*self.values, *builtins})
        raise InterpolationError(f"unknown variable ${{{name}}}; known: {', '.join(known)}", name)

    def interpolate(self, value: Any) -> Any:
        """`${x}` alone keeps x's type; inside a longer string it is formatted into it."""
        if isinstance(value, str):
            whole = _REF.fullmatch(value)
            if whole:
                return self.lookup(whole[1])
            return _REF.sub(lambda m: _text(self.lookup(m[1])), value)
        if isinstance(value, dict):
            return {self.interpolate(k): self.interpolate(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.interpolate(v) for v in value]
        return value

    def define(self, variables: dict[str, Any]) -> None:
        """Vars may refer to built-ins and to vars defined above them."""
        for name, value in variables.items():
            self.values[name] = self.interpolate(value)

    def path(self, relative: str) -> Path:
        candidate = Path(relative)
        return candidate if candidate.is_absolute() else self.root / candidate

    def aws_client(self, service: str, region: str | None = None) -> Any:
        key = (service, region or self.endpoints.region)
        client = self._clients.get(key)
        if client is None:
            import boto3
            from botocore.config import Config

            session = boto3.session.Session()
            credentials = session.get_credentials()
            keys = {} if credentials else {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
            client = session.client(
                service,
                region_name=key[1],
                endpoint_url=self.endpoints.aws,
                config=Config(
                    retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=60
                ),
                **keys,
            )
            self._clients[key] = client
        return client


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
