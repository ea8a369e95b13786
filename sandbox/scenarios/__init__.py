"""Lab scenarios: YAML files that are at once a demo (`sandbox lab run`), a test (pytest) and a grader
(`sandbox lab check`). The pieces: `loader` (YAML → `model` with file:line errors), `steps` (one module per
step kind, behind a registry), `expect` (matchers), `runner` (the one runner both callers use)."""
