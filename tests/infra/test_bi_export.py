"""The BI export's infra (K6): a private, encrypted, TLS-only, logged bucket whose files
expire; a daily rule invoking the export function, which runs on its own pyarrow layer
(within Lambda's 250 MB), reads the table and touches no other bucket; cdk-nag has nothing
unacknowledged on it (test_stack checks the whole app)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "infra"))

from relance.store.bi_exports import EXPORTS_BUCKET_ENV  # noqa: E402
from relance_infra import bi_layer  # noqa: E402
from tests.infra.test_stack import synth  # noqa: E402, F401  (the synthesized app)

pytestmark = pytest.mark.infra
LAMBDA_UNZIPPED_LIMIT_MB = 250


def _actions(synth: Any, function: Any) -> dict[str, list[Any]]:  # noqa: F811
    """action -> resources, over the statements of the function's role."""
    found: dict[str, list[Any]] = {}
    for s in synth.policy_statements(function):
        actions = [s["Action"]] if isinstance(s["Action"], str) else s["Action"]
        resources = s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]]
        for a in actions:
            found.setdefault(a, []).extend(resources)
    return found


def test_the_exports_bucket_is_private_encrypted_tls_only_logged_and_expires(synth: Any) -> None:  # noqa: F811
    bucket = synth.props(synth.stack.bi_export.bucket)
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }  # fmt: skip
    (encryption,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert bucket["LoggingConfiguration"]["LogFilePrefix"] == "bi-exports/"
    (rule,) = bucket["LifecycleConfiguration"]["Rules"]
    assert (rule["ExpirationInDays"], rule["Status"]) == (400, "Enabled")
    assert "VersioningConfiguration" not in bucket  # a re-run's replaced files are gone
    bucket_id = synth.logical_id(synth.stack.bi_export.bucket)
    denies = [
        s
        for p in synth.of_type("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id}
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Deny"
    ]
    assert any(s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in denies)


def test_a_daily_rule_invokes_the_export_with_retries_and_a_watched_dead_letter_queue(
    synth: Any,  # noqa: F811
) -> None:
    construct = synth.stack.bi_export
    rule = synth.props(construct.rule)
    assert rule["ScheduleExpression"] == "cron(30 3 * * ? *)"
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [synth.logical_id(construct.function), "Arn"]}
    assert target["Input"] == "{}"
    dlq_id = synth.logical_id(construct.dead_letters)
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [dlq_id, "Arn"]}}
    assert target["RetryPolicy"]["MaximumRetryAttempts"] == 2
    alarms = [
        a["Properties"]
        for a in synth.of_type("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("Dimensions", [{}])[0].get("Value")
        == {"Fn::GetAtt": [dlq_id, "QueueName"]}
    ]
    assert len(alarms) == 1 and alarms[0]["Threshold"] == 1


def test_the_function_runs_on_its_own_layer_reads_the_table_and_writes_only_its_bucket(
    synth: Any,  # noqa: F811
) -> None:
    construct = synth.stack.bi_export
    function = synth.props(construct.function)
    assert function["Environment"]["Variables"][EXPORTS_BUCKET_ENV] == {
        "Ref": synth.logical_id(construct.bucket)
    }
    layers = function["Layers"]
    assert {"Ref": synth.logical_id(construct.layer)} in layers
    assert {"Ref": synth.logical_id(synth.stack.layers.relance)} in layers
    assert {"Ref": synth.logical_id(synth.stack.layers.deps)} not in layers
    actions = _actions(synth, construct.function)
    table = synth.logical_id(synth.stack.storage.table)
    writes = {a for a in actions if a.startswith("dynamodb:")} - {
        "dynamodb:Scan", "dynamodb:Query", "dynamodb:GetItem"
    }  # fmt: skip
    assert writes == set()  # the export never changes the table
    assert {"Fn::GetAtt": [table, "Arn"]} in actions["dynamodb:Query"]
    bucket = synth.logical_id(construct.bucket)
    objects = {"Fn::Join": ["", [{"Fn::GetAtt": [bucket, "Arn"]}, "/*"]]}
    for action in ("s3:PutObject", "s3:GetObject", "s3:DeleteObject"):
        assert actions[action] == [objects]
    assert actions["s3:ListBucket"] == [{"Fn::GetAtt": [bucket, "Arn"]}]
    assert not [f for f in synth.nag_findings if "BiExport" in f]


def test_the_bi_layer_holds_pyarrow_for_lambda_and_fits_lambda_s_size_limit(
    synth: Any,  # noqa: F811  (built by the synth)
) -> None:
    site = bi_layer.LAYER_DIR / "python"
    wheels = {p.name.split("-")[0] for p in site.glob("*.dist-info")}
    assert {"pyarrow", "boto3", "pydantic", "aws_lambda_powertools", "tzdata"} <= wheels
    assert "fpdf2" not in wheels and "openpyxl" not in wheels  # the deps layer's, not needed
    assert list((site / "pyarrow").glob("libparquet.so*"))
    assert any("aarch64" in p.name for p in (site / "pyarrow").glob("lib.cpython-311-*.so"))
    relance = max(
        (p for p in (REPO_ROOT / "build/layers/relance").iterdir() if p.is_dir()),
        key=lambda p: p.stat().st_mtime,
    )
    total = bi_layer.size_mb() + bi_layer.size_mb(relance)
    assert total < LAMBDA_UNZIPPED_LIMIT_MB, f"{total:.0f} MB"
