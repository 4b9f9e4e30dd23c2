"""One Python function the way every Relance function is built (same pattern as Api's).

Runtime, architecture and layers from `layers.py`; X-Ray; our own log group (retention set)
and our own role, so no managed policy: the default role's AWSLambdaBasicExecutionRole may
write to any log group.

Beside it, what the functions an EventBridge rule invokes share (`rule_function`: the
function, its dead-letter queue and alarm, the rule), the table grant (`grant_table`), and
the encrypted queue and dead-letter alarm the nightly run's queues use too. They build into
the caller's scope, not a construct of their own, so the logical ids stay those of a
deployed stack.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct, IConstruct

from relance_infra.constructs import acknowledge, arn_token
from relance_infra.constructs.layers import ARCHITECTURE, RUNTIME, Layers

LOG_RETENTION = logs.RetentionDays.THREE_MONTHS
METRICS_NAMESPACE = "Relance"
DLQ_RETENTION = cdk.Duration.days(14)  # SQS's maximum: time to look and redrive
# Lambda's asynchronous retries, and EventBridge's to the function, before the dead letter.
RETRY_ATTEMPTS = 2


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


def grant_table(
    function: lambda_.Function,
    table: dynamodb.ITable,
    actions: tuple[str, ...],
    *,
    indexes_because: str | None = None,
) -> None:
    """`actions` on the table's base items; on its indexes too when `indexes_because` says
    why (the cdk-nag acknowledgment of the `/index/*` wildcard)."""
    resources = [table.table_arn]
    if indexes_because is not None:
        resources.append(f"{table.table_arn}/index/*")
    function.add_to_role_policy(iam.PolicyStatement(actions=list(actions), resources=resources))
    if indexes_because is not None:
        acknowledge(
            default_policy(function),
            f"AwsSolutions-IAM5[Resource::{arn_token(table)}/index/*]",
            indexes_because,
        )


def encrypted_queue(
    scope: Construct,
    construct_id: str,
    *,
    retention: cdk.Duration,
    visibility_timeout: cdk.Duration | None = None,
    dead_letter_queue: sqs.DeadLetterQueue | None = None,
) -> sqs.Queue:
    """An SQS-managed encrypted queue that refuses plain HTTP (cdk-nag SQS2, SQS4)."""
    return sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=retention,
        visibility_timeout=visibility_timeout,
        dead_letter_queue=dead_letter_queue,
    )


def dead_letter_alarm(
    scope: Construct, construct_id: str, queue: sqs.IQueue, *, description: str
) -> cloudwatch.Alarm:
    """Alarms as soon as one message waits in `queue` (a dead letter is never normal)."""
    return cloudwatch.Alarm(
        scope,
        construct_id,
        alarm_description=description,
        metric=queue.metric_approximate_number_of_messages_visible(
            period=cdk.Duration.minutes(5), statistic=cloudwatch.Stats.MAXIMUM
        ),
        threshold=1,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluation_periods=1,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
    )


@dataclass(frozen=True)
class RuleFunction:
    function: lambda_.Function
    dead_letters: sqs.Queue
    rule: events.Rule


def rule_function(
    scope: Construct,
    name: str,
    *,
    schedule: events.Schedule | None = None,
    event_pattern: events.EventPattern | None = None,
    rule_description: str,
    alarm_description: str,
    max_event_age: cdk.Duration | None = None,
    functions_dir: Path,
    folder: str,
    service: str,
    layers: Layers,
    description: str,
    memory_mb: int,
    timeout: cdk.Duration,
    environment: dict[str, str],
    layer_versions: list[lambda_.ILayerVersion] | None = None,
) -> RuleFunction:
    """`{name}Function`, invoked asynchronously by the rule `{name}Schedule` (on `schedule`,
    with `{}` as its event) or `{name}Rule` (the events matching `event_pattern`, as they
    are). Each hop retries RETRY_ATTEMPTS times, then keeps the event in the one queue
    `{name}DeadLetters`, whose `{name}DeadLettersAlarm` says what to do about it.
    `max_event_age`: older events go to the queue without being tried again."""
    if (schedule is None) == (event_pattern is None):
        raise ValueError(f"{name}: a rule has a schedule or an event pattern, one of them")
    dead_letters = encrypted_queue(scope, f"{name}DeadLetters", retention=DLQ_RETENTION)
    function = python_function(
        scope,
        f"{name}Function",
        functions_dir=functions_dir,
        folder=folder,
        service=service,
        layers=layers,
        description=description,
        memory_mb=memory_mb,
        timeout=timeout,
        environment=environment,
        dead_letter_queue=dead_letters,
        layer_versions=layer_versions,
    )
    function.configure_async_invoke(retry_attempts=RETRY_ATTEMPTS, max_event_age=max_event_age)
    rule = events.Rule(
        scope,
        f"{name}Schedule" if schedule is not None else f"{name}Rule",
        description=rule_description,
        schedule=schedule,
        event_pattern=event_pattern,
    )
    rule.add_target(
        targets.LambdaFunction(
            function,
            # A schedule's own event says nothing the function needs.
            event=events.RuleTargetInput.from_object({}) if schedule is not None else None,
            dead_letter_queue=dead_letters,
            retry_attempts=RETRY_ATTEMPTS,
            max_event_age=max_event_age,
        )
    )
    dead_letter_alarm(scope, f"{name}DeadLettersAlarm", dead_letters, description=alarm_description)
    return RuleFunction(function=function, dead_letters=dead_letters, rule=rule)
