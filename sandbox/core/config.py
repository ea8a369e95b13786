"""Where the sandbox keeps its state and which addresses it serves on.

Everything comes from the environment so that the CLI, the daemon and the test suite agree without
passing flags around: the daemon is started with the same environment as the `sandbox up` that spawned it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_PORTS: dict[str, int] = {"aws": 4566}


@dataclass(frozen=True)
class Settings:
    home: Path
    host: str = "127.0.0.1"
    region: str = "us-east-1"
    account_id: str = "000000000000"
    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        home = Path(env.get("SANDBOX_HOME") or Path.cwd() / ".sandbox").resolve()
        ports = dict(DEFAULT_PORTS)
        for name in ports:
            value = env.get(f"SANDBOX_{name.upper()}_PORT")
            if value:
                ports[name] = int(value)
        return cls(
            home=home,
            host=env.get("SANDBOX_HOST", "127.0.0.1"),
            region=env.get("SANDBOX_REGION", "us-east-1"),
            account_id=env.get("SANDBOX_ACCOUNT_ID", "000000000000"),
            ports=ports,
        )

    @property
    def logs_dir(self) -> Path:
        return self.home / "logs"

    @property
    def state_file(self) -> Path:
        return self.home / "daemon.json"

    def port(self, service: str) -> int:
        return self.ports[service]

    def url(self, service: str) -> str:
        # Clients always get the loopback IP: with an IP endpoint botocore picks path-style S3 addressing,
        # which needs no wildcard DNS.
        host = "127.0.0.1" if self.host in ("127.0.0.1", "0.0.0.0") else self.host
        return f"http://{host}:{self.port(service)}"
