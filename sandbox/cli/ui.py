"""What every command shares for talking to a person: the console, error rendering, lab-text language."""

from __future__ import annotations

import locale
import os

from rich.console import Console

from sandbox.core.errors import SandboxError

console = Console(highlight=False, emoji=False)
err_console = Console(stderr=True, highlight=False, emoji=False)


def report_error(error: SandboxError) -> None:
    err_console.print(f"[bold red]error:[/] {error.message}", soft_wrap=True)
    if error.fix:
        err_console.print(f"[bold]fix:[/] {error.fix}", soft_wrap=True)
    if error.detail:
        err_console.print(error.detail, markup=False, soft_wrap=True)


def lab_language() -> str:
    """Korean lab text when SANDBOX_LANG says so, or else when the locale is Korean; English otherwise."""
    chosen = os.environ.get("SANDBOX_LANG", "").lower()
    if chosen:
        return "ko" if chosen.startswith("ko") else "en"
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "ko" if value.lower().startswith("ko") else "en"
    current = locale.getlocale()[0] or ""
    return "ko" if current.lower().startswith("ko") else "en"
