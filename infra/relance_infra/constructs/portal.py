"""The customer portal (K7, B6): PortalFunction behind /portal/... on the REST API, no Cognito.

A customer is not a Relance user: the function checks the link's token itself (only its
SHA-256 is stored), counts each link's requests per minute in DynamoDB (429), and logs every
access. API Gateway throttles these methods harder than the user routes (method settings on
the stage), so a flood of bad tokens costs little. The functions that issue links (the API's
for collectors, the dispatch's for reminders) learn the portal page's address, on the web
app's CloudFront domain.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from constructs import Construct

from relance.store import names
from relance.store.portal import PORTAL_URL_ENV
from relance_infra.constructs import acknowledge, arn_token
from relance_infra.constructs.lambdas import default_policy, grant_table, python_function
from relance_infra.constructs.layers import Layers

PORTAL_ROUTES = (
    ("GET", "/portal/statement"),
    ("POST", "/portal/promises"),
    ("POST", "/portal/disputes"),
    ("POST", "/portal/messages"),
)
# Per method, for every caller together (the stage allows 50/s, burst 100, for all routes):
# a customer reads a page and sends a form; this only bounds a flood of guesses.
RATE_LIMIT = 10
BURST_LIMIT = 20
# Token look-up, counters, access log (GetItem, UpdateItem, PutItem); the customer's
# records and follow-up (Query on the customer index, GetItem); a promise, dispute or
# message (TransactWriteItems: PutItem, UpdateItem, ConditionCheckItem); the alert.
TABLE_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:ConditionCheckItem",
)
PAGE = "portal/index.html"  # web/portal/index.html, at the root of the web bucket


class Portal(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions_dir: Path,
        layers: Layers,
        table: dynamodb.ITable,
        documents: s3.IBucket,
        rest_api: apigw.RestApi,
    ) -> None:
        super().__init__(scope, construct_id)
        self.function = python_function(
            self,
            "PortalFunction",
            functions_dir=functions_dir,
            folder="portal",
            service="portal",
            layers=layers,
            description="Customer portal: a link's statement, promises, disputes, messages",
            memory_mb=512,
            timeout=cdk.Duration.seconds(29),  # API Gateway gives up after 29 s
            environment={
                names.TABLE_ENV: table.table_name,
                names.DOCUMENTS_BUCKET_ENV: documents.bucket_name,
            },
        )
        grant_table(
            self.function,
            table,
            TABLE_ACTIONS,
            indexes_because="Queries on the table's customer index (the linked customer's "
            "records and follow-up); the grant covers this table's indexes only.",
        )
        # Invoice PDFs a tenant provides: listed under the customer's prefix, each signed.
        self.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject"], resources=[documents.arn_for_objects("*/invoices/*")]
            )
        )
        self.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[documents.bucket_arn],
                conditions={"StringLike": {"s3:prefix": ["*/invoices/*"]}},
            )
        )
        acknowledge(
            default_policy(self.function),
            f"AwsSolutions-IAM5[Resource::{arn_token(documents)}/*/invoices/*]",
            "Invoice PDFs only ({tenant}/invoices/...): the function signs a link to the "
            "linked customer's own, under a key built from its verified link.",
        )
        self._routes(rest_api)

    def _routes(self, rest_api: apigw.RestApi) -> None:
        integration = apigw.LambdaIntegration(self.function, allow_test_invoke=False)
        settings: list[dict[str, object]] = []
        for method_name, path in PORTAL_ROUTES:
            method = rest_api.root.resource_for_path(path).add_method(
                method_name,
                integration,
                # A customer holds a link, not a Cognito account: the function checks the
                # link's token (services/portal.py), the same 401 for any bad one.
                authorization_type=apigw.AuthorizationType.NONE,
            )
            for rule in ("AwsSolutions-APIG4", "AwsSolutions-COG4"):
                acknowledge(
                    method,
                    rule,
                    "Customer portal route: authorised in the function by the link's token "
                    "(unguessable, 256 bits, stored as SHA-256, expiring, revocable), "
                    "rate limited per link and throttled per method here.",
                )
            settings.append(
                {
                    "HttpMethod": method_name,
                    "ResourcePath": "/" + path.replace("/", "~1"),
                    "ThrottlingRateLimit": RATE_LIMIT,
                    "ThrottlingBurstLimit": BURST_LIMIT,
                    "DataTraceEnabled": False,  # bodies hold personal data
                    "MetricsEnabled": True,
                    "LoggingLevel": "ERROR",
                }
            )
        # After the stage's own "/*/*" entry (StageOptions in constructs/api.py), which a
        # plain assignment would drop: the stage's settings are computed at synthesis.
        stage = rest_api.deployment_stage.node.default_child
        assert isinstance(stage, apigw.CfnStage)
        for index, setting in enumerate(settings, start=1):
            stage.add_property_override(f"MethodSettings.{index}", setting)

    def issue_links_from(self, page_domain: str, functions: list[lambda_.Function]) -> None:
        """The functions that issue links (the API's, the dispatch's): where the portal
        page is. Their table grants already cover the link and token items they write."""
        for function in functions:
            function.add_environment(PORTAL_URL_ENV, f"https://{page_domain}/{PAGE}")
