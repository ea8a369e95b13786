from __future__ import annotations

import urllib.request

import click

from sandbox.cli.ui import console
from sandbox.core.config import Settings
from sandbox.core.errors import SandboxError
from sandbox.engines.embedded import require_running

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@click.command()
def reset() -> None:
    """Wipe every service's state (buckets, tables, functions…) without restarting."""
    status = require_running(Settings.from_env())
    for service in status.services:
        request = urllib.request.Request(f"{service.url}/_sandbox/reset", method="POST", data=b"")
        try:
            with _OPENER.open(request, timeout=30):
                pass
        except OSError as exc:
            raise SandboxError(f"Resetting {service.name} failed: {exc}.", fix="See: sandbox logs") from exc
        console.print(f"{service.name}: state wiped")
