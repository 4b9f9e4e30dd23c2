"""One Python function the way every Relance function is built (same pattern as Api's).

Runtime, architecture and layers from `layers.py`; X-Ray; our own log group (retention set)
and our own role, so no managed policy: the default role's AWSLambdaBasicExecutionRole may
write to any log group.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct, IConstruct

from relance_infra.constructs import acknowledge
from relance_infra.constructs.layers import ARCHITECTURE, RUNTIME, Layers

LOG_RETENTION = logs.RetentionDays.THREE_MONTHS
METRICS_NAMESPACE = "Relance"


def python_function(
    scope: Construct,
    construct_id: str,
    *,
    functions_dir: Path,
    folder: str,
    service: str,
    layers: Layers,
    description: str,
    memory_mb: int,
    timeout: cdk.Duration,
    environment: dict[str, str],
    dead_letter_queue: sqs.IQueue | None = None,
    layer_versions: list[lambda_.ILayerVersion] | None = None,
) -> lambda_.Function:
    """`functions/{folder}/handler.py:handler`, with its log group and role beside it.

    `dead_letter_queue` keeps the events of asynchronous invocations that failed every retry.
    `layer_versions`: other layers than `layers.all` (the BI export's own deps layer).
    """
    log_group = logs.LogGroup(scope, f"{construct_id}Logs", retention=LOG_RETENTION)
    role = iam.Role(
        scope,
        f"{construct_id}Role",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=f"{construct_id}: its log group, X-Ray, and the grants below",
    )
    log_group.grant_write(role)
    function = lambda_.Function(
        scope,
        construct_id,
        description=description,
        runtime=RUNTIME,
        architecture=ARCHITECTURE,
        handler="handler.handler",
        code=lambda_.Code.from_asset(
            str(functions_dir / folder), exclude=["**/__pycache__", "**/*.pyc"]
        ),
        layers=layers.all if layer_versions is None else layer_versions,
        memory_size=memory_mb,
        timeout=timeout,
        tracing=lambda_.Tracing.ACTIVE,
        role=role,
        log_group=log_group,
        dead_letter_queue=dead_letter_queue,
        environment={
            "POWERTOOLS_SERVICE_NAME": f"relance-{service}",
            "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
            "LOG_LEVEL": "INFO",
            **environment,
        },
    )
    acknowledge(
        default_policy(function),
        "AwsSolutions-IAM5[Resource::*]",
        "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level scoping.",
    )
    acknowledge(
        function,
        "AwsSolutions-L1",
        "Python 3.11 is the project's runtime (pyproject requires-python); the deps layer "
        "is built for cp311 wheels. Moving runtime is a deliberate, tested upgrade.",
    )
    return function


def default_policy(function: lambda_.Function) -> IConstruct:
    """The role's DefaultPolicy, where grants land (and their cdk-nag findings)."""
    assert function.role is not None
    return function.role.node.find_child("DefaultPolicy")
