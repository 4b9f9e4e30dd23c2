"""The nightly dunning run: per-tenant schedules -> plan -> one SQS message per company.

Each tenant's EventBridge Scheduler schedule (`relance-nightly-{tenant}` in the group
`relance-nightly`, `cron(0 {hour} * * ? *)` in the tenant's time zone) is created at run
time by ApiFunction, not here: this construct builds the group, the role the schedules run
as, and what they start. NightlyPlanFunction gets `{"tenant_id": ...}` and sends one
message per company to the nightly queue; NightlyCompanyFunction evaluates one company per
message, writes actions, tasks and alerts, and sends automatic actions to the dispatch
queue (consumed by the dispatch function of a later issue). A tenant's failure stays in
its own schedule and invocation, a company's in its own message.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from relance.store import names, schedules
from relance_infra.constructs import acknowledge, arn_token
from relance_infra.constructs.lambdas import (
    DLQ_RETENTION,
    dead_letter_alarm,
    default_policy,
    encrypted_queue,
    python_function,
)
from relance_infra.constructs.layers import Layers

SCHEDULE_GROUP_NAME = "relance-nightly"
SCHEDULER_PRINCIPAL = "scheduler.amazonaws.com"
# What ApiFunction may do to a tenant's schedule: what relance.store.schedules calls
# (create, update) plus reading and removing one (a tenant turning the run off or leaving).
SCHEDULE_ACTIONS = (
    "scheduler:CreateSchedule",
    "scheduler:UpdateSchedule",
    "scheduler:GetSchedule",
    "scheduler:DeleteSchedule",
)

PLAN_TIMEOUT = cdk.Duration.seconds(60)
# Lambda's maximum: a large company's evaluation must never be cut short.
COMPANY_TIMEOUT = cdk.Duration.seconds(900)
COMPANY_MEMORY_MB = 1024
# One company per invocation: each gets the whole 15 minutes, and a failure retries only it.
COMPANY_BATCH_SIZE = 1
# At most this many companies are evaluated at once, across all tenants. Each writes its
# actions, tasks and alerts in bursts; an on-demand table throttles writes beyond twice its
# previous peak, and the API's reads share it. SQS maxConcurrency rather than reserved
# concurrency: the poller stops fetching instead of the function being throttled, so
# throttled messages do not use up their receives and land in the DLQ, and no account
# concurrency is set aside all day for a job that runs at night.
COMPANY_MAX_CONCURRENCY = 10
# The dispatch function (later issue) must keep its timeout at most a sixth of this.
DISPATCH_VISIBILITY_TIMEOUT = cdk.Duration.minutes(15)

MAX_RECEIVE_COUNT = 3
QUEUE_RETENTION = cdk.Duration.days(4)


class Nightly(Construct):
    """Schedule group + scheduler role, the two functions, the nightly and dispatch queues."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions_dir: Path,
        layers: Layers,
        table: dynamodb.ITable,
        api_function: lambda_.Function,
    ) -> None:
        super().__init__(scope, construct_id)
        self.nightly_queue, self.nightly_dlq = self._queue_with_dlq(
            "NightlyQueue",
            # AWS's guidance for an SQS event source: at least six times the function's
            # timeout, so a message is not handed out again while a retried, throttled or
            # still-running invocation holds it.
            visibility_timeout=cdk.Duration.seconds(6 * COMPANY_TIMEOUT.to_seconds()),
        )
        self.dispatch_queue, self.dispatch_dlq = self._queue_with_dlq(
            "DispatchQueue", visibility_timeout=DISPATCH_VISIBILITY_TIMEOUT
        )
        # A plan invocation that failed every asynchronous retry (Lambda makes two) keeps
        # its {"tenant_id"} event here, to be seen and redriven; the tenant's other
        # nights and the other tenants are unaffected.
        self.plan_failures = encrypted_queue(self, "PlanFailures", retention=DLQ_RETENTION)
        self._dead_letter_alarm("PlanFailures", self.plan_failures)

        queue_env = {
            names.TABLE_ENV: table.table_name,
            names.NIGHTLY_QUEUE_ENV: self.nightly_queue.queue_url,
            names.DISPATCH_QUEUE_ENV: self.dispatch_queue.queue_url,
        }
        self.plan_function = python_function(
            self,
            "NightlyPlanFunction",
            functions_dir=functions_dir,
            folder="nightly_plan",
            service="nightly-plan",
            layers=layers,
            description="Nightly dunning run, from a tenant's schedule: one message per company",
            memory_mb=512,
            timeout=PLAN_TIMEOUT,
            environment=queue_env,
            dead_letter_queue=self.plan_failures,
        )
        table.grant_read_data(self.plan_function)
        self.nightly_queue.grant(self.plan_function, "sqs:SendMessage")

        self.company_function = python_function(
            self,
            "NightlyCompanyFunction",
            functions_dir=functions_dir,
            folder="nightly_company",
            service="nightly-company",
            layers=layers,
            description="Nightly dunning run of one company: actions, tasks, alerts, dispatch",
            # Evaluation is CPU-bound once the partition is read; memory buys CPU.
            memory_mb=COMPANY_MEMORY_MB,
            timeout=COMPANY_TIMEOUT,
            environment=queue_env,
        )
        table.grant_read_write_data(self.company_function)
        self.dispatch_queue.grant(self.company_function, "sqs:SendMessage")
        # Grants the consume actions on the nightly queue (receive, delete, visibility).
        self.company_function.add_event_source(
            event_sources.SqsEventSource(
                self.nightly_queue,
                batch_size=COMPANY_BATCH_SIZE,
                report_batch_item_failures=True,
                max_concurrency=COMPANY_MAX_CONCURRENCY,
            )
        )
        for function in (self.plan_function, self.company_function):
            acknowledge(
                default_policy(function),
                f"AwsSolutions-IAM5[Resource::{arn_token(table)}/index/*]",
                "Queries on the table's GSIs (relance.store.schema); the grant covers this "
                "table's indexes only.",
            )

        self.schedule_group = scheduler.CfnScheduleGroup(
            self, "ScheduleGroup", name=SCHEDULE_GROUP_NAME
        )
        self.scheduler_role = self._scheduler_role()
        self._let_api_manage_schedules(api_function)

    def _queue_with_dlq(
        self, construct_id: str, *, visibility_timeout: cdk.Duration
    ) -> tuple[sqs.Queue, sqs.Queue]:
        # Standard queues keep a message's first enqueue time in the DLQ: the DLQ's
        # retention must outlast the source's for a dead letter to be seen at all.
        dlq = encrypted_queue(self, f"{construct_id}DeadLetters", retention=DLQ_RETENTION)
        queue = encrypted_queue(
            self,
            construct_id,
            retention=QUEUE_RETENTION,
            visibility_timeout=visibility_timeout,
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=MAX_RECEIVE_COUNT, queue=dlq),
        )
        self._dead_letter_alarm(construct_id, dlq)
        return queue, dlq

    def _dead_letter_alarm(self, construct_id: str, dlq: sqs.IQueue) -> cloudwatch.Alarm:
        return dead_letter_alarm(
            self,
            f"{construct_id}DeadLettersAlarm",
            dlq,
            description=f"{construct_id}: messages failed every attempt and wait in "
            "the dead-letter queue; read them, fix the cause, redrive.",
        )

    def _scheduler_role(self) -> iam.Role:
        """What the tenants' schedules run as: invoke NightlyPlanFunction, nothing else."""
        stack = cdk.Stack.of(self)
        role = iam.Role(
            self,
            "SchedulerRole",
            description="EventBridge Scheduler, relance-nightly group: invokes the nightly plan",
            # Confused-deputy guard: only schedules of this account's group may assume it.
            assumed_by=iam.ServicePrincipal(
                SCHEDULER_PRINCIPAL,
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {
                        "aws:SourceArn": stack.format_arn(
                            service="scheduler",
                            resource="schedule-group",
                            resource_name=SCHEDULE_GROUP_NAME,
                        )
                    },
                },
            ),
        )
        # The unqualified ARN the schedules target; not grant_invoke, which adds `:*`.
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"], resources=[self.plan_function.function_arn]
            )
        )
        return role

    def _let_api_manage_schedules(self, api_function: lambda_.Function) -> None:
        """ApiFunction writes a tenant's schedule when its run hour or zone changes."""
        stack = cdk.Stack.of(self)
        group_schedules = stack.format_arn(
            service="scheduler",
            resource="schedule",
            resource_name=f"{SCHEDULE_GROUP_NAME}/*",
        )
        api_function.add_to_role_policy(
            iam.PolicyStatement(actions=list(SCHEDULE_ACTIONS), resources=[group_schedules])
        )
        # CreateSchedule/UpdateSchedule pass the scheduler role to the schedule.
        api_function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["iam:PassRole"],
                resources=[self.scheduler_role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": SCHEDULER_PRINCIPAL}},
            )
        )
        acknowledge(
            default_policy(api_function),
            f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:"
            f"<AWS::AccountId>:schedule/{SCHEDULE_GROUP_NAME}/*]",
            "One schedule per tenant, named at run time (relance-nightly-{tenant}); the "
            "grant covers the schedules of the relance-nightly group only.",
        )
        api_function.add_environment(
            schedules.NIGHTLY_PLAN_ARN_ENV, self.plan_function.function_arn
        )
        api_function.add_environment(schedules.SCHEDULER_ROLE_ARN_ENV, self.scheduler_role.role_arn)
        api_function.add_environment(schedules.SCHEDULE_GROUP_ENV, SCHEDULE_GROUP_NAME)
        # The name above is a literal: make sure the group exists before the API runs.
        api_function.node.add_dependency(self.schedule_group)
