"""The deliverability loop (B5): SES events -> EventBridge rule -> SesEventsFunction.

The dispatch's configuration set publishes its email events to the account's default event
bus (source "aws.ses"). This rule takes the bounces, complaints and deliveries of emails
that carry Relance's `tenant` tag, and invokes the function asynchronously, one event at a
time. Failures are retried twice at each hop and then kept, never lost: EventBridge's own
delivery retries then the rule target's dead-letter queue; Lambda's asynchronous retries
(what an event arriving before the dispatch recorded its send relies on) then the
function's dead-letter queue. The function reads and writes the table's base items only,
and sends fallback letters to the dispatch queue.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from relance.domain.deliverability import TENANT_TAG
from relance.store import names
from relance_infra.constructs.lambdas import grant_table, rule_function
from relance_infra.constructs.layers import Layers

SES_SOURCE = "aws.ses"
# EventBridge's detail types for the SES events the loop acts on (events-ref-ses).
DETAIL_TYPES = ("Email Bounced", "Email Complaint Received", "Email Delivered")
TIMEOUT = cdk.Duration.seconds(30)
# An event older than this is not worth acting on any more: it waits in the DLQ.
MAX_EVENT_AGE = cdk.Duration.hours(6)
# What services/deliverability.py does on the table: read the action, the tenant's
# settings, the customer and the suppressions; put suppressions, the alert and the letter
# (a transaction of Puts needs PutItem); raise statuses with conditional updates.
TABLE_ACTIONS = ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem")


class Deliverability(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions_dir: Path,
        layers: Layers,
        table: dynamodb.ITable,
        dispatch_queue: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        wired = rule_function(
            self,
            "SesEvents",
            event_pattern=events.EventPattern(
                source=[SES_SOURCE],
                detail_type=list(DETAIL_TYPES),
                # Only emails the dispatch tagged: another application's mail in the account
                # never wakes the function.
                detail={"mail": {"tags": {TENANT_TAG: [{"exists": True}]}}},
            ),
            rule_description="Relance emails' bounces, complaints and deliveries -> "
            "SesEventsFunction",
            alarm_description="SES events the function could not handle after its retries "
            "wait in the dead-letter queue: read them, fix the cause, send them again.",
            max_event_age=MAX_EVENT_AGE,
            functions_dir=functions_dir,
            folder="ses_events",
            service="ses-events",
            layers=layers,
            description="SES bounces, complaints, deliveries: status, suppression, alert, letter",
            memory_mb=512,
            timeout=TIMEOUT,
            environment={
                names.TABLE_ENV: table.table_name,
                names.DISPATCH_QUEUE_ENV: dispatch_queue.queue_url,
            },
        )
        self.function, self.dead_letters, self.rule = wired.function, wired.dead_letters, wired.rule
        # The base table only (no index): no wildcard in the grant.
        grant_table(self.function, table, TABLE_ACTIONS)
        dispatch_queue.grant(self.function, "sqs:SendMessage")  # a fallback letter to send
