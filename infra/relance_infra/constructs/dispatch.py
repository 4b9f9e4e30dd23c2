"""Sending (issue 5): dispatch queue -> DispatchFunction -> SES (email) | S3 (letter PDF).

DispatchFunction consumes the nightly run's dispatch queue (partial batch failures): per
message one email through the SES configuration set below, or one letter PDF in the
documents bucket, exactly once (relance/services/dispatch.py). The configuration set
publishes every email's bounces, complaints and deliveries to the account's default event
bus, where the deliverability construct's rule picks them up.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from relance.store import names
from relance_infra.constructs import acknowledge, arn_token
from relance_infra.constructs.lambdas import default_policy, grant_table, python_function
from relance_infra.constructs.layers import Layers
from relance_infra.constructs.storage import private_bucket

CONFIGURATION_SET_NAME = "relance-reminders"
# The SES events the deliverability loop reads (and a rejection, for the record).
EVENT_TYPES = ("bounce", "complaint", "delivery", "reject")
# At most a sixth of the dispatch queue's visibility timeout (15 min, nightly.py), and well
# under the claim's lease (services/dispatch.py LEASE, 5 min).
TIMEOUT = cdk.Duration.seconds(120)
MEMORY_MB = 1024  # letters are laid out in Python: memory buys CPU
# Up to 100 messages an invocation, gathered for at most a second: a batch's messages are
# sent side by side at the rate's pace, and the fewer batch ends, the closer the function
# keeps to the rate (bench/dispatch.py). 100 at 7/s is 15 s, far from the timeout.
BATCH_SIZE = 100
BATCHING_WINDOW = cdk.Duration.seconds(1)
# Instances at once (SQS maxConcurrency: 2 is its minimum). Each takes this share of the
# account's SES send rate (RELANCE_DISPATCH_CONCURRENCY), so together they keep to it.
MAX_CONCURRENCY = 2
# Reminders are commercial correspondence: kept ten years (Code de commerce L123-22).
DOCUMENT_RETENTION = cdk.Duration.days(3653)
TO_INFREQUENT_ACCESS = cdk.Duration.days(90)
# What the function does on the table (store/dispatch.py and the reads it shares).
TABLE_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
)
SEND_ACTIONS = ("ses:SendEmail", "ses:SendRawEmail")


class Dispatch(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions_dir: Path,
        layers: Layers,
        table: dynamodb.ITable,
        dispatch_queue: sqs.IQueue,
        access_logs: s3.IBucket,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        self.documents = private_bucket(
            self,
            "Documents",
            access_logs=access_logs,
            logs_prefix="documents/",
            versioned=True,  # proof of what was sent: an overwrite never loses a version
            lifecycle_rule=s3.LifecycleRule(
                id="keep-documents-ten-years",
                transitions=[
                    s3.Transition(
                        storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                        transition_after=TO_INFREQUENT_ACCESS,
                    )
                ],
                expiration=DOCUMENT_RETENTION,
                noncurrent_version_expiration=cdk.Duration.days(30),
                abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
            ),
        )
        self.configuration_set = ses.CfnConfigurationSet(
            self,
            "ConfigurationSet",
            name=CONFIGURATION_SET_NAME,
            reputation_options=ses.CfnConfigurationSet.ReputationOptionsProperty(
                reputation_metrics_enabled=True
            ),
            sending_options=ses.CfnConfigurationSet.SendingOptionsProperty(sending_enabled=True),
        )
        self.event_destination = ses.CfnConfigurationSetEventDestination(
            self,
            "EventsToEventBridge",
            configuration_set_name=CONFIGURATION_SET_NAME,
            event_destination=ses.CfnConfigurationSetEventDestination.EventDestinationProperty(
                name="relance-events",
                enabled=True,
                matching_event_types=list(EVENT_TYPES),
                event_bridge_destination=ses.CfnConfigurationSetEventDestination.EventBridgeDestinationProperty(
                    event_bus_arn=stack.format_arn(
                        service="events", resource="event-bus", resource_name="default"
                    )
                ),
            ),
        )
        self.event_destination.add_dependency(self.configuration_set)

        environment = {
            names.TABLE_ENV: table.table_name,
            names.DOCUMENTS_BUCKET_ENV: self.documents.bucket_name,
            names.SES_CONFIGURATION_SET_ENV: CONFIGURATION_SET_NAME,
            names.DISPATCH_CONCURRENCY_ENV: str(MAX_CONCURRENCY),
        }
        sender = self.node.try_get_context("relance:defaultSender")
        if sender:  # the verified address tenants send from until they set their own
            environment[names.DEFAULT_SENDER_ENV] = str(sender)
        self.function = python_function(
            self,
            "DispatchFunction",
            functions_dir=functions_dir,
            folder="dispatch",
            service="dispatch",
            layers=layers,
            description="Sends queued reminders: email through SES, letter PDF to S3, once",
            memory_mb=MEMORY_MB,
            timeout=TIMEOUT,
            environment=environment,
        )
        self.function.node.add_dependency(self.configuration_set)
        self.function.add_event_source(
            event_sources.SqsEventSource(
                dispatch_queue,
                batch_size=BATCH_SIZE,
                max_batching_window=BATCHING_WINDOW,
                report_batch_item_failures=True,
                max_concurrency=MAX_CONCURRENCY,
            )
        )
        self._grant(table)

    def grant_documents_to_api(self, function: lambda_.Function) -> None:
        """The API signs links to documents (GET .../actions/{action_id}/document) with the
        function's role, and stores a letter to approve when it is first opened: it reads
        and writes the bucket's objects, nothing else of it."""
        function.add_environment(names.DOCUMENTS_BUCKET_ENV, self.documents.bucket_name)
        function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject", "s3:PutObject"],
                resources=[self.documents.arn_for_objects("*")],
            )
        )
        acknowledge(
            default_policy(function),
            f"AwsSolutions-IAM5[Resource::{arn_token(self.documents)}/*]",
            "Objects of the documents bucket only: a link is signed, or a letter to approve "
            "stored, under a key built from the caller's tenant and its own action record.",
        )

    def _grant(self, table: dynamodb.ITable) -> None:
        stack = cdk.Stack.of(self)
        function = self.function
        # The base table only: the dispatch reads no index.
        grant_table(function, table, TABLE_ACTIONS)
        # Letters, emails as sent, grouped PDFs; the tenant's logo is read back.
        function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject", "s3:GetObject"],
                resources=[self.documents.arn_for_objects("*")],
            )
        )
        identities = stack.format_arn(service="ses", resource="identity", resource_name="*")
        configuration_set = stack.format_arn(
            service="ses", resource="configuration-set", resource_name=CONFIGURATION_SET_NAME
        )
        function.add_to_role_policy(
            iam.PolicyStatement(
                actions=list(SEND_ACTIONS), resources=[identities, configuration_set]
            )
        )
        # The account's MaxSendRate (SES v2 GetAccount) paces the sending; it has no
        # resource to scope to, like X-Ray's actions beside it.
        function.add_to_role_policy(
            iam.PolicyStatement(actions=["ses:GetAccount"], resources=["*"])
        )
        policy = default_policy(function)
        acknowledge(
            policy,
            f"AwsSolutions-IAM5[Resource::{arn_token(self.documents)}/*]",
            "Objects of the documents bucket only; every key starts with the tenant, which "
            "the code sets from the message, never from outside.",
        )
        acknowledge(
            policy,
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:"
            "<AWS::AccountId>:identity/*]",
            "Each tenant sends from its own verified identity, added at onboarding: the "
            "grant covers this account's identities, and only through the configuration "
            "set named beside it.",
        )
