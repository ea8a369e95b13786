"""Which command runs a function's runtime, and the environment AWS gives it.

- python3.x: the official `awslambdaric` on this machine's Python (the minor version may differ from the
  one the function names; the REPORT line and AWS_EXECUTION_ENV keep the configured name);
- provided.al2023 / provided.al2 / provided: the function's own `bootstrap` executable;
- nodejs18.x / 20.x / 22.x: our small Runtime API loop (`node_bootstrap.mjs`), when `node` is installed;
- anything else: refused, never faked.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from sandbox.services.aws.bridge.lambda_ import FunctionSpec

NODE_BOOTSTRAP = Path(__file__).with_name("node_bootstrap.mjs")
SUPPORTED = "python3.x, nodejs18.x/20.x/22.x (with node installed), provided.al2023, provided.al2"


class UnsupportedRuntime(Exception):
    """Answered as InvalidRuntimeException, AWS's word for a runtime it cannot run."""


def command(spec: FunctionSpec, task_root: Path) -> list[str]:
    runtime = spec.runtime or ""
    if spec.package_type != "Zip":
        raise UnsupportedRuntime(f"PackageType {spec.package_type} is not supported by the sandbox; use Zip")
    if runtime.startswith("python3"):
        if not spec.handler:
            raise UnsupportedRuntime("a python function needs a Handler, e.g. app.handler")
        return [sys.executable, "-m", "awslambdaric", spec.handler]
    if runtime.startswith("provided"):
        return [str(task_root / "bootstrap")]
    if runtime.startswith("nodejs"):
        node = shutil.which("node")
        if node is None:
            raise UnsupportedRuntime(f"The runtime {runtime} needs Node.js, and `node` is not installed here")
        return [node, str(NODE_BOOTSTRAP)]
    raise UnsupportedRuntime(
        f"The runtime parameter of {runtime or '(none)'} is not supported by the sandbox. Supported: {SUPPORTED}"
    )


def environment(
    spec: FunctionSpec,
    *,
    runtime_api: str,
    task_root: Path,
    layer_roots: list[Path],
    tmp_dir: Path,
    log_stream: str,
    aws_endpoint: str,
) -> dict[str, str]:
    """Only what a Lambda function sees: its variables, Lambda's own, and the sandbox with test keys."""
    runtime = spec.runtime or "provided"
    python_paths = [str(task_root)]
    for layer in layer_roots:
        python_paths += [
            str(layer / "python"),
            str(
                layer / "python" / "lib" / f"python{sys.version_info.major}."
                f"{sys.version_info.minor}" / "site-packages"
            ),
        ]
    bins = [str(layer / "bin") for layer in layer_roots] + [
        str(Path(sys.executable).parent),
        "/usr/local/bin",
        "/usr/bin",
        "/bin",
    ]
    env = {
        # The function's own variables first, so that Lambda's reserved names below always win, as on AWS.
        **spec.environment,
        "AWS_LAMBDA_FUNCTION_NAME": spec.name,
        "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_RUNTIME_API": runtime_api,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{runtime}",
        "AWS_REGION": spec.region,
        "AWS_DEFAULT_REGION": spec.region,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_SESSION_TOKEN": "test",
        "AWS_ENDPOINT_URL": aws_endpoint,
        "LAMBDA_TASK_ROOT": str(task_root),
        "LAMBDA_RUNTIME_DIR": str(Path(sys.executable).parent),
        "_HANDLER": spec.handler or "",
        "PATH": os.pathsep.join(bins),
        "PYTHONPATH": os.pathsep.join(python_paths),
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "NODE_PATH": os.pathsep.join(str(layer / "nodejs" / "node_modules") for layer in layer_roots),
        "TMPDIR": str(tmp_dir),
        "HOME": str(tmp_dir),
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
    }
    return env
