"""Wait strategies shared by every engine: objects whose settings chain, then `wait()`.

HttpWait("http://127.0.0.1:4566/_sandbox/health").with_timeout(10).while_alive(proc.poll).wait()
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Self

# Loopback checks must never go through a user's HTTP proxy.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class WaitTimeout(Exception):
    pass


class ProcessDied(Exception):
    pass


class WaitStrategy:
    def __init__(self) -> None:
        self.timeout = 15.0
        self.interval = 0.02
        self._alive: Callable[[], bool] = lambda: True
        self.last_error: str = ""

    def with_timeout(self, seconds: float) -> Self:
        self.timeout = seconds
        return self

    def with_interval(self, seconds: float) -> Self:
        self.interval = seconds
        return self

    def while_alive(self, alive: Callable[[], bool]) -> Self:
        """Give up at once, with ProcessDied, when the thing we wait for has exited."""
        self._alive = alive
        return self

    def ready(self) -> bool:
        raise NotImplementedError

    def wait(self) -> float:
        started = time.monotonic()
        deadline = started + self.timeout
        while True:
            if self.ready():
                return time.monotonic() - started
            if not self._alive():
                raise ProcessDied(self.last_error)
            if time.monotonic() >= deadline:
                raise WaitTimeout(self.last_error or "timed out")
            time.sleep(self.interval)


class HttpWait(WaitStrategy):
    def __init__(self, url: str, status: int = 200) -> None:
        super().__init__()
        self.url = url
        self.status = status

    def ready(self) -> bool:
        try:
            with _OPENER.open(self.url, timeout=1) as response:
                ok: bool = response.status == self.status
                return ok
        except urllib.error.HTTPError as exc:
            self.last_error = f"{self.url} answered {exc.code}"
        except (OSError, ValueError) as exc:
            self.last_error = f"{self.url}: {exc}"
        return False


class AllOf(WaitStrategy):
    def __init__(self, *strategies: WaitStrategy) -> None:
        super().__init__()
        self.strategies = strategies

    def ready(self) -> bool:
        for strategy in self.strategies:
            if not strategy.ready():
                self.last_error = strategy.last_error
                return False
        return True


class AnyOf(WaitStrategy):
    """Ready when any strategy is (a service that may answer on one of several health paths)."""

    def __init__(self, *strategies: WaitStrategy) -> None:
        super().__init__()
        self.strategies = strategies

    def ready(self) -> bool:
        for strategy in self.strategies:
            if strategy.ready():
                return True
            self.last_error = strategy.last_error
        return False
