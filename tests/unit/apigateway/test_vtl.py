"""Mapping templates render as API Gateway's Velocity does: `$input`, `$util`, `$context`, `$stageVariables`,
with Java-style printing of maps, lists and booleans."""

from __future__ import annotations

import json

import pytest

from sandbox.services.aws.apigateway.vtl import Input, TemplateError, escape_javascript, render

BODY = json.dumps(
    {"name": "Ann", "tags": ["a", "b"], "ok": True, "nested": {"x": 1}, "items": [{"id": 1}, {"id": 2}]}
)


def run(template: str, body: str = BODY, **kwargs: object) -> str:
    input = Input(
        body,
        path_params={"id": "7"},
        query={"q": "search"},
        headers={"Content-Type": "application/json", "X-Trace": "t1"},
    )
    context = kwargs.pop(
        "context", {"requestId": "req-1", "stage": "dev", "identity": {"sourceIp": "1.2.3.4"}}
    )
    return render(template, input=input, context=context, stage_variables={"env": "prod"}).text  # type: ignore[arg-type]


def test_input_path_reads_values_and_prints_them_the_java_way() -> None:
    assert run("$input.path('$.name')") == "Ann"
    assert run("$input.path('$.ok')") == "true"
    assert run("$input.path('$.nested')") == "{x=1}"
    assert run("$input.path('$.tags')") == "[a, b]"
    assert run("$input.path('$.tags').size()") == "2"
    assert run("$input.path('$.items[*].id')") == "[1, 2]"
    assert run("[$input.path('$.missing')]") == "[]"


def test_input_json_keeps_json() -> None:
    assert json.loads(run("$input.json('$')")) == json.loads(BODY)
    assert run("$input.json('$.tags')") == '["a","b"]'
    assert run("$input.json('$.name')") == '"Ann"'
    assert run("$input.json('$')", body="") == "{}"


def test_input_body_and_params() -> None:
    assert run("$input.body", body="raw text") == "raw text"
    assert run("$input.params('id')/$input.params('q')/$input.params('x-trace')") == "7/search/t1"
    assert run("$input.params().path.id") == "7"
    assert run("$input.params().querystring.q") == "search"
    assert run("#foreach($h in $input.params().header.keySet())$h;#end") == "Content-Type;X-Trace;"


def test_util_functions() -> None:
    assert run("$util.escapeJavaScript($input.path('$.name'))") == "Ann"
    assert run("$util.base64Encode('hello')") == "aGVsbG8="
    assert run("$util.base64Decode('aGVsbG8=')") == "hello"
    assert run("$util.urlEncode('a b&c=d')") == "a+b%26c%3Dd"
    assert run("$util.urlDecode('a+b%26c')") == "a b&c"
    assert run("#set($o = $util.parseJson('{\"k\": [1, 2]}'))$o.k.get(1)") == "2"


def test_escape_javascript_is_javas() -> None:
    assert escape_javascript('say "hi"\n') == 'say \\"hi\\"\\n'
    assert escape_javascript("it's a/b") == "it\\'s a\\/b"
    assert escape_javascript("é") == "\\u00E9"


def test_context_and_stage_variables() -> None:
    assert run("$context.requestId $context.stage $context.identity.sourceIp") == "req-1 dev 1.2.3.4"
    assert run("$stageVariables.env") == "prod"


def test_a_full_lambda_request_template() -> None:
    template = """{
  "name": "$util.escapeJavaScript($input.path('$.name'))",
  "id": "$input.params('id')",
  "body": $input.json('$'),
  "stage": "$context.stage",
  "headers": {
    #foreach($h in $input.params().header.keySet())
    "$h": "$util.escapeJavaScript($input.params().header.get($h))"#if($foreach.hasNext),#end
    #end
  }
}"""
    out = json.loads(run(template))
    assert out["name"] == "Ann" and out["id"] == "7" and out["stage"] == "dev"
    assert out["body"]["nested"] == {"x": 1}
    assert out["headers"] == {"Content-Type": "application/json", "X-Trace": "t1"}


def test_conditions_and_response_override() -> None:
    template = "#if($input.path('$.ok'))yes#{else}no#end#set($context.responseOverride.status = 201)"
    rendered = render(template, input=Input(BODY), context={})
    assert rendered.text == "yes" and rendered.status_override == 201


@pytest.mark.parametrize("template", ["#if($a) x", "$input.path('$[')"])
def test_bad_templates_raise_template_error(template: str) -> None:
    with pytest.raises(TemplateError):
        run(template)
