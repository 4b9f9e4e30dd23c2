"""The CDK app synthesizes offline, passes cdk-nag, and deploys what the code expects.

One synthesis per module (about 10 s): the deps layer is built first (cached by its stamp),
so the assets are the real ones.
"""

from __future__ import annotations

import json
import marshal
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "infra"))

import build_deps_layer  # noqa: E402
from aws_cdk.assertions import Annotations, Match, Template  # noqa: E402
from cdk_nag import AwsSolutionsChecks  # noqa: E402

from relance.store import names, schema  # noqa: E402
from relance.sync import signing  # noqa: E402
from relance_infra import cdk_context  # noqa: E402
from relance_infra.stack import RelanceStack, build_app  # noqa: E402

pytestmark = pytest.mark.infra

Json = dict[str, Any]

EXPECTED_ROUTES = {
    ("GET", "/relay/state", "NONE", "IngestFunction"),
    ("POST", "/relay/runs", "NONE", "IngestFunction"),
    ("POST", "/relay/batches", "NONE", "IngestFunction"),
    ("POST", "/relay/runs/{run_id}/finish", "NONE", "IngestFunction"),
    ("POST", "/sync-requests", "COGNITO_USER_POOLS", "ApiFunction"),
    ("GET", "/sync-runs", "COGNITO_USER_POOLS", "ApiFunction"),
    ("GET", "/controls/aged-balance", "COGNITO_USER_POOLS", "ApiFunction"),
    ("GET", "/me", "COGNITO_USER_POOLS", "ApiFunction"),
    ("GET", "/users", "COGNITO_USER_POOLS", "ApiFunction"),
    ("POST", "/users", "COGNITO_USER_POOLS", "ApiFunction"),
    ("GET", "/users/proposals", "COGNITO_USER_POOLS", "ApiFunction"),
    ("GET", "/users/{user_id}", "COGNITO_USER_POOLS", "ApiFunction"),
    ("PATCH", "/users/{user_id}", "COGNITO_USER_POOLS", "ApiFunction"),
    ("POST", "/users/{user_id}/deactivate", "COGNITO_USER_POOLS", "ApiFunction"),
    ("POST", "/users/{user_id}/activate", "COGNITO_USER_POOLS", "ApiFunction"),
    ("GET", "/customers", "COGNITO_USER_POOLS", "ApiFunction"),
    ("GET", "/customers/{company}/{number}", "COGNITO_USER_POOLS", "ApiFunction"),
    ("GET", "/dashboard", "COGNITO_USER_POOLS", "ApiFunction"),
    ("GET", "/openapi.json", "COGNITO_USER_POOLS", "ApiFunction"),
    ("GET", "/users/{user_id}/portfolio", "COGNITO_USER_POOLS", "ApiFunction"),
    ("PUT", "/users/{user_id}/portfolio", "COGNITO_USER_POOLS", "ApiFunction"),
    ("GET", "/me/settings", "COGNITO_USER_POOLS", "ApiFunction"),
    ("PUT", "/me/settings", "COGNITO_USER_POOLS", "ApiFunction"),
    ("GET", "/settings/dispute-reasons", "COGNITO_USER_POOLS", "ApiFunction"),
    ("PUT", "/settings/dispute-reasons", "COGNITO_USER_POOLS", "ApiFunction"),
    ("GET", "/settings/custom-fields", "COGNITO_USER_POOLS", "ApiFunction"),
    ("PUT", "/settings/custom-fields", "COGNITO_USER_POOLS", "ApiFunction"),
    ("POST", "/customers/{company}/{number}/disputes", "COGNITO_USER_POOLS", "ApiFunction"),
    (
        "POST",
        "/customers/{company}/{number}/disputes/{dispute_id}/resolve",
        "COGNITO_USER_POOLS",
        "ApiFunction",
    ),
    ("POST", "/customers/{company}/{number}/promises", "COGNITO_USER_POOLS", "ApiFunction"),
    (
        "POST",
        "/customers/{company}/{number}/promises/{promise_id}/cancel",
        "COGNITO_USER_POOLS",
        "ApiFunction",
    ),
    ("POST", "/customers/{company}/{number}/comments", "COGNITO_USER_POOLS", "ApiFunction"),
    ("PUT", "/customers/{company}/{number}/details", "COGNITO_USER_POOLS", "ApiFunction"),
    ("PUT", "/customers/{company}/{number}/items/{entry}", "COGNITO_USER_POOLS", "ApiFunction"),
    ("GET", "/settings/dunning", "COGNITO_USER_POOLS", "ApiFunction"),
    ("PUT", "/settings/dunning", "COGNITO_USER_POOLS", "ApiFunction"),
    ("GET", "/settings/dunning-run", "COGNITO_USER_POOLS", "ApiFunction"),
    ("PUT", "/settings/dunning-run", "COGNITO_USER_POOLS", "ApiFunction"),
    ("GET", "/settings/penalty-rates", "COGNITO_USER_POOLS", "ApiFunction"),
    ("PUT", "/settings/penalty-rates", "COGNITO_USER_POOLS", "ApiFunction"),
    ("GET", "/settings/cash-objectives", "COGNITO_USER_POOLS", "ApiFunction"),
    ("PUT", "/settings/cash-objectives", "COGNITO_USER_POOLS", "ApiFunction"),
    ("GET", "/settings/daily-report", "COGNITO_USER_POOLS", "ApiFunction"),
    ("PUT", "/settings/daily-report", "COGNITO_USER_POOLS", "ApiFunction"),
    ("POST", "/customers/{company}/{number}/stops", "COGNITO_USER_POOLS", "ApiFunction"),
    (
        "DELETE",
        "/customers/{company}/{number}/stops/{stop_id}",
        "COGNITO_USER_POOLS",
        "ApiFunction",
    ),
    ("POST", "/customers/{company}/{number}/overrides", "COGNITO_USER_POOLS", "ApiFunction"),
    (
        "DELETE",
        "/customers/{company}/{number}/overrides/{override_id}",
        "COGNITO_USER_POOLS",
        "ApiFunction",
    ),
    ("PUT", "/customers/{company}/{number}/profile", "COGNITO_USER_POOLS", "ApiFunction"),
    ("GET", "/tasks", "COGNITO_USER_POOLS", "ApiFunction"),
    (
        "POST",
        "/customers/{company}/{number}/actions/{action_id}/complete",
        "COGNITO_USER_POOLS",
        "ApiFunction",
    ),
    (
        "GET",
        "/customers/{company}/{number}/actions/{action_id}/document",
        "COGNITO_USER_POOLS",
        "ApiFunction",
    ),
    ("GET", "/alerts", "COGNITO_USER_POOLS", "ApiFunction"),
    ("GET", "/dunning/runs", "COGNITO_USER_POOLS", "ApiFunction"),
    ("POST", "/dunning/preview", "COGNITO_USER_POOLS", "ApiFunction"),
    ("POST", "/dunning/runs", "COGNITO_USER_POOLS", "ApiFunction"),
    ("POST", "/customers/{company}/{number}/reminders", "COGNITO_USER_POOLS", "ApiFunction"),
    ("GET", "/templates", "COGNITO_USER_POOLS", "ApiFunction"),
    ("GET", "/templates/variables", "COGNITO_USER_POOLS", "ApiFunction"),
    ("POST", "/templates/preview", "COGNITO_USER_POOLS", "ApiFunction"),
    ("GET", "/templates/{template_id}/{language}/{channel}", "COGNITO_USER_POOLS", "ApiFunction"),
    ("PUT", "/templates/{template_id}/{language}/{channel}", "COGNITO_USER_POOLS", "ApiFunction"),
    (
        "DELETE",
        "/templates/{template_id}/{language}/{channel}",
        "COGNITO_USER_POOLS",
        "ApiFunction",
    ),
    ("GET", "/settings/company", "COGNITO_USER_POOLS", "ApiFunction"),
    ("PUT", "/settings/company", "COGNITO_USER_POOLS", "ApiFunction"),
    ("GET", "/settings/email-sender", "COGNITO_USER_POOLS", "ApiFunction"),
    ("PUT", "/settings/email-sender", "COGNITO_USER_POOLS", "ApiFunction"),
    ("GET", "/reminders", "COGNITO_USER_POOLS", "ApiFunction"),
    ("GET", "/reminders/export", "COGNITO_USER_POOLS", "ApiFunction"),
    ("GET", "/access-log", "COGNITO_USER_POOLS", "ApiFunction"),
    ("GET", "/personal-data", "COGNITO_USER_POOLS", "ApiFunction"),
    ("GET", "/personal-data/erasures", "COGNITO_USER_POOLS", "ApiFunction"),
    ("POST", "/personal-data/erasures", "COGNITO_USER_POOLS", "ApiFunction"),
    ("GET", "/settings/portal", "COGNITO_USER_POOLS", "ApiFunction"),
    ("PUT", "/settings/portal", "COGNITO_USER_POOLS", "ApiFunction"),
    ("POST", "/customers/{company}/{number}/portal-links", "COGNITO_USER_POOLS", "ApiFunction"),
    ("GET", "/customers/{company}/{number}/portal-links", "COGNITO_USER_POOLS", "ApiFunction"),
    (
        "DELETE",
        "/customers/{company}/{number}/portal-links/{link_id}",
        "COGNITO_USER_POOLS",
        "ApiFunction",
    ),
    (
        "GET",
        "/customers/{company}/{number}/portal-links/{link_id}/accesses",
        "COGNITO_USER_POOLS",
        "ApiFunction",
    ),
    # The customer portal: no Cognito, the link's token checked by its own function (K7).
    ("GET", "/portal/statement", "NONE", "PortalFunction"),
    ("POST", "/portal/promises", "NONE", "PortalFunction"),
    ("POST", "/portal/disputes", "NONE", "PortalFunction"),
    ("POST", "/portal/messages", "NONE", "PortalFunction"),
    ("GET", "/settings/dso", "COGNITO_USER_POOLS", "ApiFunction"),
    ("PUT", "/settings/dso", "COGNITO_USER_POOLS", "ApiFunction"),
    ("GET", "/dso", "COGNITO_USER_POOLS", "ApiFunction"),
    ("GET", "/compliance/payment-terms", "COGNITO_USER_POOLS", "ApiFunction"),
}


@dataclass
class Synth:
    stack: RelanceStack
    template: Template
    resources: dict[str, Json]
    outdir: Path
    nag_findings: list[str]

    def logical_id(self, construct: Any) -> str:
        return str(self.stack.get_logical_id(construct.node.default_child))

    def props(self, construct: Any) -> Json:
        return dict(self.resources[self.logical_id(construct)]["Properties"])

    def of_type(self, kind: str) -> dict[str, Json]:
        return {k: r for k, r in self.resources.items() if r["Type"] == kind}

    def policy_statements(self, function: Any) -> list[Json]:
        role_id = self.logical_id(function.role)
        policies = [
            r["Properties"]
            for r in self.of_type("AWS::IAM::Policy").values()
            if {"Ref": role_id} in r["Properties"]["Roles"]
        ]
        return [s for p in policies for s in p["PolicyDocument"]["Statement"]]


def _nag_findings(app: Any) -> list[str]:
    report = AwsSolutionsChecks().validate_scope(app)
    return [
        f"{v.severity} {v.rule_name} at {r.construct_path}"
        for v in report.violations
        for r in v.violating_resources
    ]


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    deps_hash = build_deps_layer.build()
    outdir = tmp_path_factory.mktemp("cdk.out")
    app, stack = build_app(deps_hash=deps_hash, context=cdk_context(), outdir=str(outdir))
    findings = _nag_findings(app)
    try:
        assembly = app.synth()
    except RuntimeError as exc:  # cdk-nag 3 fails synthesis on any unacknowledged finding
        pytest.fail(f"synth failed: {exc}\n" + "\n".join(findings))
    template_json = assembly.get_stack_by_name(stack.stack_name).template
    return Synth(
        stack=stack,
        template=Template.from_json(template_json),
        resources=template_json["Resources"],
        outdir=outdir,
        nag_findings=findings,
    )


def test_cdk_nag_and_cdk_report_nothing_unacknowledged(synth: Synth) -> None:
    assert synth.nag_findings == []
    report = json.loads((synth.outdir / "validation-report.json").read_text())
    assert report["pluginReports"] == []
    annotations = Annotations.from_stack(synth.stack)
    assert annotations.find_error("*", Match.any_value()) == []
    assert annotations.find_warning("*", Match.any_value()) == []


def test_table_is_the_schema_table(synth: Synth) -> None:
    """Same keys, attributes and GSIs as the local stand-in's CreateTable request."""
    props = synth.props(synth.stack.storage.table)
    local = schema.create_table_request("any")

    def by_name(items: list[Json]) -> list[Json]:
        return sorted(items, key=lambda i: str(i.get("AttributeName", i.get("IndexName"))))

    assert props["KeySchema"] == local["KeySchema"]
    assert by_name(props["AttributeDefinitions"]) == by_name(local["AttributeDefinitions"])
    assert by_name(props["GlobalSecondaryIndexes"]) == by_name(local["GlobalSecondaryIndexes"])
    assert props["BillingMode"] == local["BillingMode"] == "PAY_PER_REQUEST"


def test_table_is_recoverable_encrypted_and_never_deleted(synth: Synth) -> None:
    table_id = synth.logical_id(synth.stack.storage.table)
    resource = synth.resources[table_id]
    props = resource["Properties"]
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["TimeToLiveSpecification"] == {
        "AttributeName": schema.TTL_ATTRIBUTE,
        "Enabled": True,
    }
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert props["DeletionProtectionEnabled"] is True
    assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain"


def _ssl_only(synth: Synth, bucket_id: str) -> bool:
    for policy in synth.of_type("AWS::S3::BucketPolicy").values():
        if policy["Properties"]["Bucket"] != {"Ref": bucket_id}:
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if statement["Effect"] == "Deny" and statement.get("Condition") == {
                "Bool": {"aws:SecureTransport": "false"}
            }:
                return True
    return False


@pytest.mark.parametrize("bucket", ["raw_bucket", "access_logs"])
def test_buckets_are_private_encrypted_and_ssl_only(synth: Synth, bucket: str) -> None:
    construct = getattr(synth.stack.storage, bucket)
    props = synth.props(construct)
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    encryption = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption == [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
    assert _ssl_only(synth, synth.logical_id(construct))
    assert props["LifecycleConfiguration"]["Rules"][0]["Status"] == "Enabled"


def test_raw_bucket_is_versioned_expires_and_logs_access(synth: Synth) -> None:
    props = synth.props(synth.stack.storage.raw_bucket)
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    (rule,) = props["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] == 90
    assert props["LoggingConfiguration"]["DestinationBucketName"] == {
        "Ref": synth.logical_id(synth.stack.storage.access_logs)
    }


def _path(resources: dict[str, Json], resource_id: Any) -> str:
    if isinstance(resource_id, dict) and "Fn::GetAtt" in resource_id:
        return ""  # the RestApi's root resource
    props = resources[resource_id["Ref"]]["Properties"]
    return f"{_path(resources, props['ParentId'])}/{props['PathPart']}"


def _routes(synth: Synth) -> set[tuple[str, str, str, str]]:
    functions = {
        synth.logical_id(synth.stack.api.ingest_function): "IngestFunction",
        synth.logical_id(synth.stack.api.api_function): "ApiFunction",
        synth.logical_id(synth.stack.portal.function): "PortalFunction",
    }
    routes = set()
    for method in synth.of_type("AWS::ApiGateway::Method").values():
        props = method["Properties"]
        uri = json.dumps(props["Integration"]["Uri"])
        (target,) = [name for logical_id, name in functions.items() if logical_id in uri]
        path = _path(synth.resources, props["ResourceId"])
        routes.add((props["HttpMethod"], path, props["AuthorizationType"], target))
    return routes


def test_api_has_exactly_the_expected_routes_with_their_authorization(synth: Synth) -> None:
    assert _routes(synth) == EXPECTED_ROUTES
    assert len(synth.of_type("AWS::ApiGateway::Method")) == len(EXPECTED_ROUTES)


def test_user_routes_use_the_user_pool_authorizer(synth: Synth) -> None:
    (authorizer_id, authorizer) = next(iter(synth.of_type("AWS::ApiGateway::Authorizer").items()))
    assert authorizer["Properties"]["Type"] == "COGNITO_USER_POOLS"
    pool_id = synth.logical_id(synth.stack.auth.user_pool)
    assert authorizer["Properties"]["ProviderARNs"] == [{"Fn::GetAtt": [pool_id, "Arn"]}]
    for method in synth.of_type("AWS::ApiGateway::Method").values():
        props = method["Properties"]
        if props["AuthorizationType"] == "COGNITO_USER_POOLS":
            assert props["AuthorizerId"] == {"Ref": authorizer_id}


def test_relay_routes_require_the_signature_headers(synth: Synth) -> None:
    required = {
        f"method.request.header.{h}"
        for h in (signing.KEY_ID_HEADER, signing.TIMESTAMP_HEADER, signing.SIGNATURE_HEADER)
    }
    relay = [
        m["Properties"]
        for m in synth.of_type("AWS::ApiGateway::Method").values()
        if m["Properties"]["AuthorizationType"] == "NONE"
        and "PortalFunction" not in json.dumps(m["Properties"]["Integration"]["Uri"])
    ]
    assert len(relay) == 4
    for props in relay:
        assert required <= {k for k, v in props["RequestParameters"].items() if v is True}
        assert "RequestValidatorId" in props


def test_api_takes_gzip_bodies_and_logs_traces_and_throttles(synth: Synth) -> None:
    synth.template.has_resource_properties(
        "AWS::ApiGateway::RestApi",
        {
            "BinaryMediaTypes": [
                "application/gzip",
                # the Excel export's answer, sent as bytes to a caller that accepts it
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ]
        },
    )
    (stage,) = synth.of_type("AWS::ApiGateway::Stage").values()
    props = stage["Properties"]
    assert props["TracingEnabled"] is True
    assert "DestinationArn" in props["AccessLogSetting"]
    assert json.loads(props["AccessLogSetting"]["Format"])["requestId"] == "$context.requestId"
    # The stage's own; the portal's methods add theirs (tests/infra/test_portal.py).
    (settings,) = [m for m in props["MethodSettings"] if m["ResourcePath"] == "/*"]
    assert settings["ThrottlingRateLimit"] > 0 and settings["ThrottlingBurstLimit"] > 0
    assert settings["DataTraceEnabled"] is False  # bodies hold personal data


def test_functions_run_the_layers_on_lambdas_platform(synth: Synth) -> None:
    layer_refs = [
        {"Ref": synth.logical_id(synth.stack.layers.deps)},
        {"Ref": synth.logical_id(synth.stack.layers.relance)},
    ]
    # The deps layer's wheels are for aarch64: the functions must run there too.
    assert build_deps_layer.PLATFORM.endswith("aarch64")
    for function in _all_functions(synth):
        props = synth.props(function)
        assert props["Runtime"] == f"python{build_deps_layer.PYTHON_VERSION}"
        assert props["Architectures"] == ["arm64"]
        assert props["Layers"] == layer_refs
        assert props["TracingConfig"] == {"Mode": "Active"}
        assert props["Handler"] == "handler.handler"
        env = props["Environment"]["Variables"]
        assert env["POWERTOOLS_SERVICE_NAME"].startswith("relance-")
        assert env["LOG_LEVEL"] == "INFO"


def test_functions_env_points_at_the_table_and_bucket(synth: Synth) -> None:
    table = {"Ref": synth.logical_id(synth.stack.storage.table)}
    bucket = {"Ref": synth.logical_id(synth.stack.storage.raw_bucket)}
    ingest = synth.props(synth.stack.api.ingest_function)["Environment"]["Variables"]
    api = synth.props(synth.stack.api.api_function)["Environment"]["Variables"]
    assert ingest[names.TABLE_ENV] == table
    assert ingest[names.RAW_BUCKET_ENV] == bucket
    assert api[names.TABLE_ENV] == table
    assert names.RAW_BUCKET_ENV not in api


def _actions(statements: list[Json], prefix: str) -> set[str]:
    found = set()
    for statement in statements:
        actions = statement["Action"]
        for action in [actions] if isinstance(actions, str) else actions:
            if action.startswith(prefix):
                found.add(action)
    return found


def test_only_the_ingest_function_can_write_raw_batches(synth: Synth) -> None:
    bucket_arn = {"Fn::GetAtt": [synth.logical_id(synth.stack.storage.raw_bucket), "Arn"]}
    ingest = synth.policy_statements(synth.stack.api.ingest_function)
    api = synth.policy_statements(synth.stack.api.api_function)
    put = [s for s in ingest if "s3:PutObject" in s["Action"]]
    assert put
    for statement in put:  # objects of the raw bucket, nothing else
        assert statement["Resource"] == {"Fn::Join": ["", [bucket_arn, "/*"]]}
    assert {"s3:GetObject*", "s3:PutObject"} <= _actions(ingest, "s3:")
    # The API reads documents (to sign links) and stores letters to approve; raw batches,
    # never.
    assert _actions(api, "s3:") == {"s3:GetObject", "s3:PutObject"}
    documents_arn = {"Fn::GetAtt": [synth.logical_id(synth.stack.dispatch.documents), "Arn"]}
    for statement in api:
        if _actions([statement], "s3:"):
            assert statement["Resource"] == {"Fn::Join": ["", [documents_arn, "/*"]]}
    for statements in (ingest, api):
        assert {"dynamodb:PutItem", "dynamodb:Query"} <= _actions(statements, "dynamodb:")
        # Nothing but X-Ray on "*"; no action wildcard like "s3:*" or "dynamodb:*".
        for statement in statements:
            if statement["Resource"] == "*":
                assert _actions([statement], "") <= {
                    "xray:PutTraceSegments",
                    "xray:PutTelemetryRecords",
                }
        assert not any(a.endswith(":*") or a == "*" for a in _actions(statements, ""))


def test_only_the_api_function_manages_sign_ins_and_only_in_its_pool(synth: Synth) -> None:
    """User management mirrors users into Cognito (relance.store.directory): the API
    function knows the pool and may call exactly the admin actions that module calls, on
    that pool's ARN only."""
    from relance.store import directory
    from relance_infra.constructs.auth import GROUPS

    pool_id = synth.logical_id(synth.stack.auth.user_pool)
    api_env = synth.props(synth.stack.api.api_function)["Environment"]["Variables"]
    ingest_env = synth.props(synth.stack.api.ingest_function)["Environment"]["Variables"]
    assert api_env[names.USER_POOL_ENV] == {"Ref": pool_id}
    assert names.USER_POOL_ENV not in ingest_env
    api = synth.policy_statements(synth.stack.api.api_function)
    cognito = [s for s in api if _actions([s], "cognito-idp:")]
    assert len(cognito) == 1
    (statement,) = cognito
    assert statement["Effect"] == "Allow"
    assert _actions([statement], "") == set(directory.IAM_ACTIONS)
    assert all(a.startswith("cognito-idp:Admin") for a in directory.IAM_ACTIONS)
    assert statement["Resource"] == {"Fn::GetAtt": [pool_id, "Arn"]}
    assert "Condition" not in statement
    ingest = synth.policy_statements(synth.stack.api.ingest_function)
    assert _actions(ingest, "cognito-idp:") == set()
    # The groups the directory moves users between are the pool's groups.
    assert set(GROUPS) == set(directory.ROLE_GROUPS)


def test_functions_use_their_own_roles_without_managed_policies(synth: Synth) -> None:
    for function in _all_functions(synth):
        role = synth.props(function.role)
        assert "ManagedPolicyArns" not in role


def test_user_pool_keeps_tenant_fixed_and_roles_admin_managed(synth: Synth) -> None:
    pool = synth.props(synth.stack.auth.user_pool)
    schema_by_name = {a["Name"]: a for a in pool["Schema"]}
    assert schema_by_name["tenant_id"]["Mutable"] is False
    assert "role" in schema_by_name
    assert pool["UsernameAttributes"] == ["email"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["MfaConfiguration"] == "OPTIONAL"
    policy = pool["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 12
    assert all(policy[k] for k in ("RequireLowercase", "RequireUppercase", "RequireNumbers"))
    assert policy["RequireSymbols"] is True
    groups = {
        g["Properties"]["GroupName"] for g in synth.of_type("AWS::Cognito::UserPoolGroup").values()
    }
    assert groups == {"admin", "user", "viewer"}
    (client,) = synth.of_type("AWS::Cognito::UserPoolClient").values()
    assert client["Properties"]["GenerateSecret"] is False
    # The web app's sign-in form (config auth "cognito") calls InitiateAuth with
    # USER_PASSWORD_AUTH: the client must allow it, or every sign-in fails in AWS.
    assert "ALLOW_USER_PASSWORD_AUTH" in client["Properties"]["ExplicitAuthFlows"]
    # A user can never give themselves another tenant or role.
    assert not any(a.startswith("custom:") for a in client["Properties"]["WriteAttributes"])


def test_outputs_name_what_a_deployment_needs(synth: Synth) -> None:
    outputs = synth.template.to_json()["Outputs"]
    assert {"ApiUrl", "TableName", "RawBucketName", "UserPoolId"} <= outputs.keys()
    assert outputs["TableName"]["Value"] == {"Ref": synth.logical_id(synth.stack.storage.table)}


def _asset_dir(synth: Synth, layer_or_function: Any, code_key: str) -> Path:
    code = synth.props(layer_or_function)[code_key]
    asset_hash = code["S3Key"].removesuffix(".zip")
    return synth.outdir / f"asset.{asset_hash}"


def _pyc(module: Path) -> tuple[int, str]:
    """(PEP 552 flags, the code's file name) of a module's shipped bytecode."""
    data = (module.parent / "__pycache__" / f"{module.stem}.cpython-311.pyc").read_bytes()
    return int.from_bytes(data[4:8], "little"), marshal.loads(data[16:]).co_filename


def test_layers_ship_bytecode_the_runtime_uses_as_is(synth: Synth) -> None:
    """Lambda's /opt is read-only and CDK zips with a 1980 mtime: only unchecked-hash .pyc
    (flags 0b01) spare a cold start the compiling of every module."""
    relance = _asset_dir(synth, synth.stack.layers.relance, "Content")
    schema = relance / "python" / "relance" / "store" / "schema.py"
    assert schema.is_file()
    assert _pyc(schema) == (0b01, "/opt/python/relance/store/schema.py")
    modules = list((relance / "python").rglob("*.py"))
    compiled = list((relance / "python").rglob("__pycache__/*.cpython-311.pyc"))
    assert len(compiled) == len(modules)
    deps = _asset_dir(synth, synth.stack.layers.deps, "Content")
    assert list(deps.glob("python/pydantic_core/*.cpython-311-aarch64-linux-gnu.so"))
    assert _pyc(deps / "python" / "pydantic" / "main.py") == (
        0b01,
        "/opt/python/pydantic/main.py",
    )
    assert not (deps / "python" / "pyodbc").exists()
    assert not list(deps.glob("python/pyodbc*"))
    ingest = _asset_dir(synth, synth.stack.api.ingest_function, "Code")
    assert (ingest / "handler.py").is_file()
    assert not list(ingest.rglob("__pycache__"))  # a handler module: small, compiled at init


def test_deps_layer_build_is_cached_by_its_inputs() -> None:
    first = build_deps_layer.build()
    assert build_deps_layer.is_current()
    assert build_deps_layer.build() == first == build_deps_layer.inputs_hash()
    assert not any(r.lower().startswith("pyodbc") for r in build_deps_layer.requirements())


def _code_routes(module: str) -> set[tuple[str, str]]:
    """(method, path) of every route a handler's resolver serves."""
    import importlib

    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    app = importlib.import_module(module).app
    return {(r.method, r.openapi_path) for r in app._static_routes + app._dynamic_routes}


def test_every_route_the_code_serves_is_deployed_with_the_right_function() -> None:
    """A route added to a handler but not to the API (or the reverse) fails here."""
    from relance_infra.constructs.api import RELAY_ROUTES, USER_ROUTES

    assert _code_routes("functions.ingest.handler") == {(r.method, r.path) for r in RELAY_ROUTES}
    assert _code_routes("functions.api.handler") == {(r.method, r.path) for r in USER_ROUTES}


# --- The nightly dunning run (issue 4): schedules -> plan -> nightly queue -> company ------


def _all_functions(synth: Synth) -> tuple[Any, ...]:
    api, nightly = synth.stack.api, synth.stack.nightly
    return (
        api.ingest_function,
        api.api_function,
        nightly.plan_function,
        nightly.company_function,
        synth.stack.deliverability.function,
        synth.stack.dispatch.function,
    )


def _arn(synth: Synth, construct: Any) -> Json:
    return {"Fn::GetAtt": [synth.logical_id(construct), "Arn"]}


def _grants(statements: list[Json]) -> set[tuple[str, str]]:
    """(action, resource) pairs of the Allow statements, resources as JSON text."""
    pairs = set()
    for statement in statements:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"]
        resources = statement["Resource"]
        for action in [actions] if isinstance(actions, str) else actions:
            for resource in resources if isinstance(resources, list) else [resources]:
                pairs.add((action, json.dumps(resource, sort_keys=True)))
    return pairs


def _resources_of(statements: list[Json], prefix: str) -> set[str]:
    return {r for a, r in _grants(statements) if a.startswith(prefix)}


def test_nightly_functions_run_their_handlers_with_their_limits(synth: Synth) -> None:
    from relance_infra.constructs.nightly import COMPANY_MAX_CONCURRENCY

    nightly = synth.stack.nightly
    plan = synth.props(nightly.plan_function)
    company = synth.props(nightly.company_function)
    assert plan["Timeout"] == 60
    assert company["Timeout"] == 900  # Lambda's maximum
    assert company["MemorySize"] >= 1024
    for function in (nightly.plan_function, nightly.company_function):
        assert (_asset_dir(synth, function, "Code") / "handler.py").is_file()
        assert synth.props(function)["LoggingConfig"]["LogGroup"]["Ref"].startswith("Nightly")
    # Throttling DynamoDB is bounded on the event source, not by reserved concurrency.
    assert "ReservedConcurrentExecutions" not in company
    (props,) = _mappings_of(synth, nightly.company_function)
    assert props["EventSourceArn"] == _arn(synth, nightly.nightly_queue)
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert 1 <= props["BatchSize"] <= 5
    assert props["ScalingConfig"] == {"MaximumConcurrency": COMPANY_MAX_CONCURRENCY}


def test_nightly_functions_env_names_the_table_and_queues(synth: Synth) -> None:
    nightly = synth.stack.nightly
    expected = {
        names.TABLE_ENV: {"Ref": synth.logical_id(synth.stack.storage.table)},
        names.NIGHTLY_QUEUE_ENV: {"Ref": synth.logical_id(nightly.nightly_queue)},
        names.DISPATCH_QUEUE_ENV: {"Ref": synth.logical_id(nightly.dispatch_queue)},
    }
    for function in (nightly.plan_function, nightly.company_function):
        env = synth.props(function)["Environment"]["Variables"]
        assert {k: env[k] for k in expected} == expected
        assert env["POWERTOOLS_SERVICE_NAME"].startswith("relance-nightly-")


def test_queues_have_dead_letter_queues_and_are_encrypted_and_ssl_only(synth: Synth) -> None:
    nightly = synth.stack.nightly
    queues = synth.of_type("AWS::SQS::Queue")
    # nightly, dispatch, their DLQs, the plan's failures, the SES events' and the
    # retention run's dead letters
    bi_export = 1  # the BI export's dead letters
    daily_report = 1  # the daily cash report's dead letters
    assert len(queues) == 7 + bi_export + daily_report
    for queue_id, queue in queues.items():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True
        assert _queue_ssl_only(synth, queue_id)
    company_timeout = synth.props(nightly.company_function)["Timeout"]
    for queue, dlq in (
        (nightly.nightly_queue, nightly.nightly_dlq),
        (nightly.dispatch_queue, nightly.dispatch_dlq),
    ):
        props = synth.props(queue)
        assert props["RedrivePolicy"] == {
            "deadLetterTargetArn": _arn(synth, dlq),
            "maxReceiveCount": 3,
        }
        dlq_props = synth.props(dlq)
        assert dlq_props["MessageRetentionPeriod"] == 14 * 24 * 3600
        assert dlq_props["MessageRetentionPeriod"] > props["MessageRetentionPeriod"]
    # AWS guidance for an SQS event source: visibility >= 6 x the function's timeout.
    assert synth.props(nightly.nightly_queue)["VisibilityTimeout"] >= 6 * company_timeout
    # A plan invocation that failed its asynchronous retries keeps its event.
    assert synth.props(nightly.plan_function)["DeadLetterConfig"] == {
        "TargetArn": _arn(synth, nightly.plan_failures)
    }
    # Every dead-letter queue raises an alarm as soon as one message waits there.
    watched = set()
    for alarm in synth.of_type("AWS::CloudWatch::Alarm").values():
        props = alarm["Properties"]
        if props.get("Namespace") == "AWS/SQS":
            assert props["MetricName"] == "ApproximateNumberOfMessagesVisible"
            assert props["Threshold"] == 1
            assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
            (dimension,) = props["Dimensions"]
            watched.add(dimension["Value"]["Fn::GetAtt"][0])
    dlqs = (nightly.nightly_dlq, nightly.dispatch_dlq, nightly.plan_failures,
            synth.stack.deliverability.dead_letters,
            synth.stack.retention.dead_letters,
            synth.stack.bi_export.dead_letters,
            synth.stack.daily_report.dead_letters)  # fmt: skip
    assert watched == {synth.logical_id(q) for q in dlqs}


def _queue_ssl_only(synth: Synth, queue_id: str) -> bool:
    for policy in synth.of_type("AWS::SQS::QueuePolicy").values():
        if policy["Properties"]["Queues"] != [{"Ref": queue_id}]:
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if statement["Effect"] == "Deny" and statement.get("Condition") == {
                "Bool": {"aws:SecureTransport": "false"}
            }:
                return True
    return False


def test_nightly_functions_get_least_privilege(synth: Synth) -> None:
    nightly = synth.stack.nightly
    table = json.dumps(_arn(synth, synth.stack.storage.table), sort_keys=True)
    nightly_queue = json.dumps(_arn(synth, nightly.nightly_queue), sort_keys=True)
    dispatch_queue = json.dumps(_arn(synth, nightly.dispatch_queue), sort_keys=True)
    plan_failures = json.dumps(_arn(synth, nightly.plan_failures), sort_keys=True)
    plan = synth.policy_statements(nightly.plan_function)
    company = synth.policy_statements(nightly.company_function)

    # Plan: reads the table, sends to the nightly queue (and its failures to its DLQ).
    assert {a for a, r in _grants(plan) if a.startswith("sqs:")} == {"sqs:SendMessage"}
    assert _resources_of(plan, "sqs:") == {nightly_queue, plan_failures}
    plan_dynamodb = _actions(plan, "dynamodb:")
    assert {"dynamodb:Query", "dynamodb:GetItem"} <= plan_dynamodb
    assert not plan_dynamodb & {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
    assert table in _resources_of(plan, "dynamodb:")

    # Company: reads and writes the table, consumes the nightly queue, sends to dispatch.
    assert {"dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"} <= _actions(
        company, "dynamodb:"
    )
    sqs_grants = {(a, r) for a, r in _grants(company) if a.startswith("sqs:")}
    assert {a for a, r in sqs_grants if r == dispatch_queue} == {"sqs:SendMessage"}
    consume = {a for a, r in sqs_grants if r == nightly_queue}
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"} <= consume
    assert "sqs:SendMessage" not in consume
    assert {r for a, r in sqs_grants} == {dispatch_queue, nightly_queue}

    for statements in (plan, company):
        assert not any(a.endswith(":*") or a == "*" for a in _actions(statements, ""))
        for prefix in ("s3:", "cognito-idp:", "scheduler:", "iam:", "lambda:"):
            assert _actions(statements, prefix) == set()
    # The API functions never touch the queues.
    for function in (synth.stack.api.ingest_function, synth.stack.api.api_function):
        assert _actions(synth.policy_statements(function), "sqs:") == set()


def test_scheduler_role_is_assumed_only_by_our_schedules_and_only_invokes_the_plan(
    synth: Synth,
) -> None:
    from relance_infra.constructs.nightly import SCHEDULE_GROUP_NAME

    nightly = synth.stack.nightly
    (group,) = synth.of_type("AWS::Scheduler::ScheduleGroup").values()
    assert group["Properties"]["Name"] == SCHEDULE_GROUP_NAME == "relance-nightly"
    role = synth.props(nightly.scheduler_role)
    assert "ManagedPolicyArns" not in role and "Policies" not in role
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Effect"] == "Allow"
    assert trust["Action"] == "sts:AssumeRole"
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    source_arn = json.dumps(trust["Condition"]["ArnLike"]["aws:SourceArn"])
    assert source_arn.endswith(':schedule-group/relance-nightly"]]}')
    # policy_statements looks a function's role up; the role is its own here.
    statements = synth.policy_statements(SimpleNamespace(role=nightly.scheduler_role))
    assert statements == [
        {
            "Action": "lambda:InvokeFunction",
            "Effect": "Allow",
            "Resource": _arn(synth, nightly.plan_function),
        }
    ]


def test_api_function_manages_only_the_nightly_groups_schedules(synth: Synth) -> None:
    from relance.store import schedules
    from relance_infra.constructs.nightly import SCHEDULE_ACTIONS

    nightly = synth.stack.nightly
    api = synth.policy_statements(synth.stack.api.api_function)
    scheduler = [s for s in api if _actions([s], "scheduler:")]
    (statement,) = scheduler
    assert _actions([statement], "") == set(SCHEDULE_ACTIONS)
    # Every scheduler call the code makes is allowed.
    assert set(schedules.IAM_ACTIONS) <= set(SCHEDULE_ACTIONS)
    assert "Condition" not in statement
    assert statement["Resource"] == {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":scheduler:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                ":schedule/relance-nightly/*",
            ],
        ]
    }
    pass_role = [s for s in api if _actions([s], "iam:")]
    assert pass_role == [
        {
            "Action": "iam:PassRole",
            "Condition": {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}},
            "Effect": "Allow",
            "Resource": _arn(synth, nightly.scheduler_role),
        }
    ]
    env = synth.props(synth.stack.api.api_function)["Environment"]["Variables"]
    assert env[schedules.NIGHTLY_PLAN_ARN_ENV] == _arn(synth, nightly.plan_function)
    assert env[schedules.SCHEDULER_ROLE_ARN_ENV] == _arn(synth, nightly.scheduler_role)
    assert env[schedules.SCHEDULE_GROUP_ENV] == "relance-nightly"
    ingest = synth.policy_statements(synth.stack.api.ingest_function)
    assert _actions(ingest, "scheduler:") == _actions(ingest, "iam:") == set()


def test_ses_events_reach_the_events_function_and_failures_are_kept(synth: Synth) -> None:
    from relance_infra.constructs.deliverability import DETAIL_TYPES

    loop = synth.stack.deliverability
    function = loop.function
    assert (_asset_dir(synth, function, "Code") / "handler.py").is_file()
    props = synth.props(loop.rule)
    assert props["EventPattern"] == {
        "source": ["aws.ses"],
        "detail-type": list(DETAIL_TYPES),
        "detail": {"mail": {"tags": {"tenant": [{"exists": True}]}}},
    }
    (target,) = props["Targets"]
    assert target["Arn"] == _arn(synth, function)
    dead_letters = _arn(synth, loop.dead_letters)
    assert target["DeadLetterConfig"] == {"Arn": dead_letters}
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 21600}
    # Lambda's own asynchronous retries (an event ahead of the dispatch's record) then the DLQ.
    assert synth.props(function)["DeadLetterConfig"] == {"TargetArn": dead_letters}
    (invoke_config,) = [
        c["Properties"] for c in synth.of_type("AWS::Lambda::EventInvokeConfig").values()
        if c["Properties"]["FunctionName"] == {"Ref": synth.logical_id(function)}
    ]  # fmt: skip
    assert invoke_config["MaximumRetryAttempts"] == 2
    env = synth.props(function)["Environment"]["Variables"]
    assert env[names.TABLE_ENV] == {"Ref": synth.logical_id(synth.stack.storage.table)}
    assert env[names.DISPATCH_QUEUE_ENV] == {
        "Ref": synth.logical_id(synth.stack.nightly.dispatch_queue)
    }


def test_ses_events_function_gets_least_privilege(synth: Synth) -> None:
    loop = synth.stack.deliverability
    statements = synth.policy_statements(loop.function)
    table = json.dumps(_arn(synth, synth.stack.storage.table), sort_keys=True)
    # The base table only (no index), and no delete.
    assert {(a, r) for a, r in _grants(statements) if a.startswith("dynamodb:")} == {
        (a, table)
        for a in ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem")
    }
    dispatch_queue = json.dumps(_arn(synth, synth.stack.nightly.dispatch_queue), sort_keys=True)
    dead_letters = json.dumps(_arn(synth, loop.dead_letters), sort_keys=True)
    sqs_grants = {(a, r) for a, r in _grants(statements) if a.startswith("sqs:")}
    assert {a for a, _ in sqs_grants} == {"sqs:SendMessage"}
    assert {r for _, r in sqs_grants} == {dispatch_queue, dead_letters}
    for prefix in ("s3:", "ses:", "cognito-idp:", "scheduler:", "iam:", "lambda:"):
        assert _actions(statements, prefix) == set()
    # Only EventBridge, from this rule, may invoke it.
    (permission,) = [
        p["Properties"] for p in synth.of_type("AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] == _arn(synth, loop.function)
    ]  # fmt: skip
    assert permission["Principal"] == "events.amazonaws.com"
    assert permission["SourceArn"] == _arn(synth, loop.rule)


def _mappings_of(synth: Synth, function: Any) -> list[Json]:
    return [
        m["Properties"]
        for m in synth.of_type("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": synth.logical_id(function)}
    ]


def test_dispatch_function_consumes_the_dispatch_queue_per_message(synth: Synth) -> None:
    from relance.services.dispatch import LEASE
    from relance_infra.constructs.dispatch import CONFIGURATION_SET_NAME, MAX_CONCURRENCY

    dispatch, nightly = synth.stack.dispatch, synth.stack.nightly
    function = synth.props(dispatch.function)
    assert (_asset_dir(synth, dispatch.function, "Code") / "handler.py").is_file()
    (mapping,) = _mappings_of(synth, dispatch.function)
    assert mapping["EventSourceArn"] == _arn(synth, nightly.dispatch_queue)
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": MAX_CONCURRENCY}
    # AWS guidance (visibility >= 6 x timeout), and a claim outlives its holder's run.
    assert 6 * function["Timeout"] <= synth.props(nightly.dispatch_queue)["VisibilityTimeout"]
    assert function["Timeout"] < LEASE.total_seconds()
    env = function["Environment"]["Variables"]
    assert env[names.TABLE_ENV] == {"Ref": synth.logical_id(synth.stack.storage.table)}
    assert env[names.DOCUMENTS_BUCKET_ENV] == {"Ref": synth.logical_id(dispatch.documents)}
    assert env[names.SES_CONFIGURATION_SET_ENV] == CONFIGURATION_SET_NAME
    assert env[names.DISPATCH_CONCURRENCY_ENV] == str(MAX_CONCURRENCY)


def test_ses_configuration_set_publishes_the_events_to_eventbridge(synth: Synth) -> None:
    from relance_infra.constructs.dispatch import CONFIGURATION_SET_NAME

    (config_set,) = synth.of_type("AWS::SES::ConfigurationSet").values()
    assert config_set["Properties"]["Name"] == CONFIGURATION_SET_NAME
    (destination,) = synth.of_type("AWS::SES::ConfigurationSetEventDestination").values()
    props = destination["Properties"]
    assert props["ConfigurationSetName"] == CONFIGURATION_SET_NAME
    event = props["EventDestination"]
    assert event["Enabled"] is True
    assert {"bounce", "complaint", "delivery"} <= set(event["MatchingEventTypes"])
    bus = json.dumps(event["EventBridgeDestination"]["EventBusArn"])
    assert "event-bus/default" in bus


def test_documents_bucket_is_private_encrypted_versioned_and_kept(synth: Synth) -> None:
    documents = synth.stack.dispatch.documents
    props = synth.props(documents)
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    encryption = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption == [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
    assert _ssl_only(synth, synth.logical_id(documents))
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    (rule,) = props["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled" and rule["ExpirationInDays"] >= 3650
    assert props["LoggingConfiguration"]["DestinationBucketName"] == {
        "Ref": synth.logical_id(synth.stack.storage.access_logs)
    }
    assert synth.resources[synth.logical_id(documents)]["DeletionPolicy"] == "Retain"


def test_dispatch_function_gets_least_privilege(synth: Synth) -> None:
    from relance_infra.constructs.dispatch import CONFIGURATION_SET_NAME

    dispatch = synth.stack.dispatch
    statements = synth.policy_statements(dispatch.function)
    table = json.dumps(_arn(synth, synth.stack.storage.table), sort_keys=True)
    # The base table only, no delete; consumes the dispatch queue, sends to none.
    dynamodb = {(a, r) for a, r in _grants(statements) if a.startswith("dynamodb:")}
    assert {r for _, r in dynamodb} == {table}
    assert {"dynamodb:UpdateItem", "dynamodb:BatchGetItem"} <= {a for a, _ in dynamodb}
    assert not {a for a, _ in dynamodb} & {"dynamodb:DeleteItem", "dynamodb:Scan"}
    assert "sqs:SendMessage" not in _actions(statements, "sqs:")
    # Objects of the documents bucket, put and read back; nothing else in S3.
    (s3_statement,) = [s for s in statements if _actions([s], "s3:")]
    assert _actions([s3_statement], "") == {"s3:PutObject", "s3:GetObject"}
    assert s3_statement["Resource"] == {"Fn::Join": ["", [_arn(synth, dispatch.documents), "/*"]]}
    # Sending: this account's identities, through our configuration set only.
    (send,) = [s for s in statements if "ses:SendEmail" in _actions([s], "ses:")]
    assert _actions([send], "") == {"ses:SendEmail", "ses:SendRawEmail"}
    resources = json.dumps(send["Resource"])
    assert f"configuration-set/{CONFIGURATION_SET_NAME}" in resources
    assert ":identity/*" in resources
    assert _actions(statements, "ses:") == {"ses:SendEmail", "ses:SendRawEmail", "ses:GetAccount"}
    for prefix in ("cognito-idp:", "scheduler:", "iam:", "lambda:"):
        assert _actions(statements, prefix) == set()
    assert not any(a.endswith(":*") or a == "*" for a in _actions(statements, ""))
    # Nobody else sends email.
    for function in _all_functions(synth):
        if function is not dispatch.function:
            assert _actions(synth.policy_statements(function), "ses:") == set()


def test_the_retention_run_is_a_weekly_schedule_with_its_own_table_rights(synth: Synth) -> None:
    retention = synth.stack.retention
    rule = synth.props(retention.rule)
    assert rule["ScheduleExpression"] == "cron(30 2 ? * SUN *)"
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [synth.logical_id(retention.function), "Arn"]}
    assert target["DeadLetterConfig"] == {"Arn": _arn(synth, retention.dead_letters)}
    statements = synth.policy_statements(retention.function)
    # No S3, no email: it only scrubs the table (and lists tenants with a projected Scan).
    assert _actions(statements, "s3:") == _actions(statements, "ses:") == set()
    assert "dynamodb:DeleteTable" not in _actions(statements, "dynamodb:")
    assert {"dynamodb:Scan", "dynamodb:UpdateItem"} <= _actions(statements, "dynamodb:")


def test_the_web_app_is_served_from_a_private_bucket_through_cloudfront_with_oac(
    synth: Synth,
) -> None:
    web = synth.stack.web
    bucket = synth.props(web.bucket)
    assert bucket["PublicAccessBlockConfiguration"]["RestrictPublicBuckets"] is True
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert "BucketEncryption" in bucket and "LoggingConfiguration" in bucket
    config = synth.props(web.distribution)["DistributionConfig"]
    assert config["DefaultRootObject"] == "index.html"
    (site, api) = sorted(config["Origins"], key=lambda o: "S3OriginConfig" not in o)
    # OAC, not a legacy origin access identity; only CloudFront may read the bucket.
    assert site["OriginAccessControlId"] and site["S3OriginConfig"]["OriginAccessIdentity"] == ""
    policy = json.dumps(synth.of_type("AWS::S3::BucketPolicy"))
    assert "cloudfront.amazonaws.com" in policy and "AWS:SourceArn" in policy
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    # The API on the same domain: no CORS; nothing of it cached.
    (behavior,) = config["CacheBehaviors"]
    assert behavior["PathPattern"] == "/v1/*" and behavior["ViewerProtocolPolicy"] == "https-only"
    assert "execute-api" in json.dumps(api["DomainName"])
    assert api["CustomOriginConfig"]["OriginSSLProtocols"] == ["TLSv1.2"]
    assert config["Logging"]["Prefix"] == "cdn/"

    headers = synth.props(web.headers)["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31_536_000
    csp = json.dumps(headers["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    # The page's only inline script, its import map, is allowed by its hash.
    from relance_infra import WEB_DIR
    from relance_infra.constructs.web import inline_script_hashes

    (import_map,) = inline_script_hashes((WEB_DIR / "index.html").read_text())
    assert import_map in csp

    (deployment,) = synth.of_type("Custom::CDKBucketDeployment").values()
    sources = deployment["Properties"]["SourceObjectKeys"]
    assert len(sources) == 2  # web/ (vendor files included) and config.json
    assert "DistributionPaths" in deployment["Properties"]
