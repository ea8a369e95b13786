"""Our Lambda runtime: functions really run, in worker processes that speak the Lambda Runtime API.

moto stores functions, versions, aliases and permissions; this package executes them:
- `runtime_api`: our implementation of the Runtime API, one small server per worker;
- `workers`: worker processes (awslambdaric for Python, `bootstrap` for provided.*, ours for Node.js) and
  the warm pools they live in;
- `runtime`: invoke paths (RequestResponse, Event with retries, DryRun), warm pools, throttling;
- `destinations`: where an asynchronous result goes (on-failure/on-success destinations, dead-letter queues);
- `logs`: START/END/REPORT lines and CloudWatch Logs;
- `perf`: the performance and billing model;
- `provider`: the Invoke HTTP operations the gateway routes here.
"""
