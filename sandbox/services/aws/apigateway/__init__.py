"""API Gateway REST APIs (v1), the data plane: what happens when someone calls an invoke URL.

moto stores the definitions (REST APIs, resources, methods, integrations, stages, keys, usage plans,
authorizers); we read them through `bridge.apigateway` and do the behaviour:
- `provider`: the execute-api provider, the pipeline every invoke request goes through;
- `routing`: resource and method matching (`{param}`, `{proxy+}`, ANY);
- `integrations`: MOCK, and dispatch to `lambda_integration` (AWS_PROXY, AWS) and `http_integration`
  (HTTP, HTTP_PROXY); `mapping` holds the non-proxy templates and parameter mappings, `vtl` the Velocity;
- `events`: the Lambda proxy and authorizer events, and `$context`;
- `authorizers` (Lambda TOKEN/REQUEST with its cache), `policy` (the IAM policy they return), `cognito`;
- `keys` and `usage`: API keys, usage-plan throttles and quotas, stage throttles;
- `errors`: gateway responses in API Gateway's words;
- `control`: the control-plane operations we wrap: GetUsage (answered from the counts `usage` keeps),
  CreateDeployment (snapshots what a stage serves) and CreateAuthorizer (moto drops one field); moto
  answers every other `apigateway` operation;
- `state`: what the data plane and `control` share, per AwsContext.
"""
