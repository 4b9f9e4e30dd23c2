"""The REST API and the two functions behind it: ingest (relay routes) and api (user routes)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct, IConstruct

from relance.store import directory, names
from relance.sync import signing
from relance_infra.constructs import acknowledge, arn_token
from relance_infra.constructs.layers import ARCHITECTURE, RUNTIME, Layers

STAGE_NAME = "v1"
# The relay posts gzip-compressed JSON; API Gateway must pass it through as bytes (base64
# in the Lambda event) instead of mangling it as text. The Excel export goes the other way:
# its base64 answer is turned into bytes for a caller that accepts the workbook's type.
BINARY_MEDIA_TYPES = [
    "application/gzip",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
]
LOG_RETENTION = logs.RetentionDays.THREE_MONTHS
METRICS_NAMESPACE = "Relance"

# Relay requests without the signature headers are refused by API Gateway, before they
# cost a Lambda invocation; the function then verifies the HMAC itself.
_SIGNED_HEADERS = {
    f"method.request.header.{header}": True
    for header in (signing.KEY_ID_HEADER, signing.TIMESTAMP_HEADER, signing.SIGNATURE_HEADER)
}


@dataclass(frozen=True)
class Route:
    method: str
    path: str


RELAY_ROUTES = (
    Route("GET", "/relay/state"),
    Route("POST", "/relay/runs"),
    Route("POST", "/relay/batches"),
    Route("POST", "/relay/runs/{run_id}/finish"),
)
USER_ROUTES = (
    Route("POST", "/sync-requests"),
    Route("GET", "/sync-runs"),
    Route("GET", "/controls/aged-balance"),
    Route("GET", "/me"),
    Route("GET", "/users"),
    Route("POST", "/users"),
    Route("GET", "/users/proposals"),
    Route("GET", "/users/{user_id}"),
    Route("PATCH", "/users/{user_id}"),
    Route("POST", "/users/{user_id}/deactivate"),
    Route("POST", "/users/{user_id}/activate"),
    Route("GET", "/customers"),
    Route("GET", "/customers/{company}/{number}"),
    Route("GET", "/dashboard"),
    Route("GET", "/openapi.json"),
    Route("GET", "/users/{user_id}/portfolio"),
    Route("PUT", "/users/{user_id}/portfolio"),
    Route("GET", "/me/settings"),
    Route("PUT", "/me/settings"),
    Route("GET", "/settings/dispute-reasons"),
    Route("PUT", "/settings/dispute-reasons"),
    Route("GET", "/settings/custom-fields"),
    Route("PUT", "/settings/custom-fields"),
    Route("POST", "/customers/{company}/{number}/disputes"),
    Route("POST", "/customers/{company}/{number}/disputes/{dispute_id}/resolve"),
    Route("POST", "/customers/{company}/{number}/promises"),
    Route("POST", "/customers/{company}/{number}/promises/{promise_id}/cancel"),
    Route("POST", "/customers/{company}/{number}/comments"),
    Route("PUT", "/customers/{company}/{number}/details"),
    Route("PUT", "/customers/{company}/{number}/items/{entry}"),
    Route("GET", "/settings/dunning"),
    Route("PUT", "/settings/dunning"),
    Route("GET", "/settings/dunning-run"),
    Route("PUT", "/settings/dunning-run"),
    Route("GET", "/settings/penalty-rates"),
    Route("PUT", "/settings/penalty-rates"),
    Route("GET", "/settings/cash-objectives"),
    Route("PUT", "/settings/cash-objectives"),
    Route("GET", "/settings/daily-report"),
    Route("PUT", "/settings/daily-report"),
    Route("POST", "/customers/{company}/{number}/stops"),
    Route("DELETE", "/customers/{company}/{number}/stops/{stop_id}"),
    Route("POST", "/customers/{company}/{number}/overrides"),
    Route("DELETE", "/customers/{company}/{number}/overrides/{override_id}"),
    Route("PUT", "/customers/{company}/{number}/profile"),
    Route("GET", "/tasks"),
    Route("POST", "/customers/{company}/{number}/actions/{action_id}/complete"),
    Route("GET", "/customers/{company}/{number}/actions/{action_id}/document"),
    Route("GET", "/alerts"),
    Route("GET", "/dunning/runs"),
    Route("POST", "/dunning/preview"),
    Route("POST", "/dunning/runs"),
    Route("POST", "/customers/{company}/{number}/reminders"),
    Route("GET", "/templates"),
    Route("GET", "/templates/variables"),
    Route("POST", "/templates/preview"),
    Route("GET", "/templates/{template_id}/{language}/{channel}"),
    Route("PUT", "/templates/{template_id}/{language}/{channel}"),
    Route("DELETE", "/templates/{template_id}/{language}/{channel}"),
    Route("GET", "/settings/company"),
    Route("PUT", "/settings/company"),
    Route("GET", "/settings/email-sender"),
    Route("PUT", "/settings/email-sender"),
    Route("GET", "/reminders"),
    Route("GET", "/reminders/export"),
    Route("GET", "/access-log"),
    Route("GET", "/personal-data"),
    Route("GET", "/personal-data/erasures"),
    Route("POST", "/personal-data/erasures"),
    Route("GET", "/settings/portal"),
    Route("PUT", "/settings/portal"),
    Route("POST", "/customers/{company}/{number}/portal-links"),
    Route("GET", "/customers/{company}/{number}/portal-links"),
    Route("DELETE", "/customers/{company}/{number}/portal-links/{link_id}"),
    Route("GET", "/customers/{company}/{number}/portal-links/{link_id}/accesses"),
    Route("GET", "/settings/dso"),
    Route("PUT", "/settings/dso"),
    Route("GET", "/dso"),
    Route("GET", "/compliance/payment-terms"),
)


def _path_parameters(path: str) -> dict[str, bool]:
    parts = [p[1:-1] for p in path.split("/") if p.startswith("{") and p.endswith("}")]
    return {f"method.request.path.{name}": True for name in parts}


class Api(Construct):
    """IngestFunction + ApiFunction, and the REST API routing to them."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions_dir: Path,
        layers: Layers,
        table: dynamodb.ITable,
        raw_bucket: s3.IBucket,
        user_pool: cognito.IUserPool,
    ) -> None:
        super().__init__(scope, construct_id)
        self._functions_dir = functions_dir
        self._layers = layers

        self.ingest_function = self._function(
            "IngestFunction",
            folder="ingest",
            description="Relay routes: sync runs and batches into DynamoDB, raw batches to S3",
            # Decompresses and validates up to 1,000 records a batch; memory buys CPU.
            memory_mb=1024,
            environment={
                names.TABLE_ENV: table.table_name,
                names.RAW_BUCKET_ENV: raw_bucket.bucket_name,
            },
        )
        table.grant_read_write_data(self.ingest_function)
        raw_bucket.grant_put(self.ingest_function)
        raw_bucket.grant_read(self.ingest_function)
        _acknowledge_bucket_grants(self.ingest_function, raw_bucket)

        self.api_function = self._function(
            "ApiFunction",
            folder="api",
            description="User routes behind Cognito: users, sync requests, runs, controls",
            memory_mb=512,
            # The table and the user pool: the user routes never touch raw batches.
            environment={
                names.TABLE_ENV: table.table_name,
                names.USER_POOL_ENV: user_pool.user_pool_id,
            },
        )
        table.grant_read_write_data(self.api_function)
        # User management mirrors users into the pool (relance.store.directory): exactly the
        # admin actions that module calls, on this pool only.
        user_pool.grant(self.api_function, *directory.IAM_ACTIONS)
        for function in (self.ingest_function, self.api_function):
            acknowledge(
                _default_policy(function),
                f"AwsSolutions-IAM5[Resource::{arn_token(table)}/index/*]",
                "Queries on the table's GSIs (relance.store.schema); the grant covers this "
                "table's indexes only.",
            )

        self.rest_api = self._rest_api()
        self._relay_routes()
        self._user_routes(user_pool)

    def _function(
        self,
        construct_id: str,
        *,
        folder: str,
        description: str,
        memory_mb: int,
        environment: dict[str, str],
    ) -> lambda_.Function:
        # Our own log group (retention set) and role: the default role carries the
        # AWSLambdaBasicExecutionRole managed policy, which may write to any log group.
        log_group = logs.LogGroup(self, f"{construct_id}Logs", retention=LOG_RETENTION)
        role = iam.Role(
            self,
            f"{construct_id}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{construct_id}: its log group, X-Ray, and the grants below",
        )
        log_group.grant_write(role)
        function = lambda_.Function(
            self,
            construct_id,
            description=description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler="handler.handler",
            code=lambda_.Code.from_asset(
                str(self._functions_dir / folder), exclude=["**/__pycache__", "**/*.pyc"]
            ),
            layers=self._layers.all,
            memory_size=memory_mb,
            # API Gateway gives up after 29 s; running longer would only waste money.
            timeout=cdk.Duration.seconds(29),
            tracing=lambda_.Tracing.ACTIVE,
            role=role,
            log_group=log_group,
            environment={
                "POWERTOOLS_SERVICE_NAME": f"relance-{folder}",
                "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
                "LOG_LEVEL": "INFO",
                **environment,
            },
        )
        acknowledge(
            _default_policy(function),
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

    def _rest_api(self) -> apigw.RestApi:
        access_logs = logs.LogGroup(self, "AccessLogs", retention=LOG_RETENTION)
        api = apigw.RestApi(
            self,
            "RestApi",
            description="Relance: relay ingestion and the browser app's API",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            binary_media_types=BINARY_MEDIA_TYPES,
            # Execution logging needs the account-level role that lets API Gateway write logs.
            cloud_watch_role=True,
            deploy_options=apigw.StageOptions(
                stage_name=STAGE_NAME,
                tracing_enabled=True,
                metrics_enabled=True,
                # Errors only, and never bodies: requests carry customers' personal data.
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=_access_log_format(),
                throttling_rate_limit=50,
                throttling_burst_limit=100,
            ),
        )
        acknowledge(
            api.node.find_child("CloudWatchRole"),
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
            "service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
            "The account-level API Gateway logging role; AWS's managed policy is the documented "
            "one, as API Gateway creates and names its execution log groups itself.",
        )
        acknowledge(
            api,
            "AwsSolutions-APIG3",
            "No WAF yet: every route is authenticated (HMAC or Cognito) and the stage is "
            "throttled; a web ACL comes with the CloudFront distribution of web/.",
        )
        self.validator = api.add_request_validator(
            "RequestValidator", validate_request_body=True, validate_request_parameters=True
        )
        return api

    def _relay_routes(self) -> None:
        integration = apigw.LambdaIntegration(self.ingest_function, allow_test_invoke=False)
        for route in RELAY_ROUTES:
            method = self.rest_api.root.resource_for_path(route.path).add_method(
                route.method,
                integration,
                # The relay is a machine, not a Cognito user: the function verifies the
                # connector's HMAC-SHA256 signature (relance.sync.signing).
                authorization_type=apigw.AuthorizationType.NONE,
                request_validator=self.validator,
                request_parameters={**_SIGNED_HEADERS, **_path_parameters(route.path)},
            )
            for rule in ("AwsSolutions-APIG4", "AwsSolutions-COG4"):
                acknowledge(
                    method,
                    rule,
                    "Relay route: authenticated in the function by the connector's HMAC-SHA256 "
                    "request signature with a 5-minute replay window; API Gateway already "
                    "refuses requests without the signature headers.",
                )

    def _user_routes(self, user_pool: cognito.IUserPool) -> None:
        authorizer = apigw.CognitoUserPoolsAuthorizer(
            self, "UserAuthorizer", cognito_user_pools=[user_pool]
        )
        integration = apigw.LambdaIntegration(self.api_function, allow_test_invoke=False)
        for route in USER_ROUTES:
            self.rest_api.root.resource_for_path(route.path).add_method(
                route.method,
                integration,
                authorization_type=apigw.AuthorizationType.COGNITO,
                authorizer=authorizer,
                request_validator=self.validator,
                request_parameters=_path_parameters(route.path) or None,
            )


def _default_policy(function: lambda_.Function) -> IConstruct:
    assert function.role is not None
    return function.role.node.find_child("DefaultPolicy")


def _acknowledge_bucket_grants(function: lambda_.Function, bucket: s3.IBucket) -> None:
    """The wildcards of grant_put/grant_read, all scoped to this one bucket and its objects."""
    reasons = {
        f"Resource::{arn_token(bucket)}/*": "Object keys are per tenant and batch, known at "
        "run time only; the grant covers this bucket's objects and no other bucket.",
        "Action::s3:Abort*": "Lets a failed multipart upload of a large batch be aborted.",
        "Action::s3:GetObject*": "Reads archived batches back (object, version, tagging) for "
        "replay; this bucket only.",
        "Action::s3:GetBucket*": "Bucket metadata (location, versioning) the SDK reads; this "
        "bucket only.",
        "Action::s3:List*": "Lists a run's archived batches for replay; this bucket only.",
    }
    for finding, reason in reasons.items():
        acknowledge(_default_policy(function), f"AwsSolutions-IAM5[{finding}]", reason)


def _access_log_format() -> apigw.AccessLogFormat:
    """One JSON line per request; the tenant claim, never a body or a user's email."""
    field = apigw.AccessLogField
    return apigw.AccessLogFormat.custom(
        json.dumps(
            {
                "requestId": field.context_request_id(),
                "ip": field.context_identity_source_ip(),
                "requestTime": field.context_request_time(),
                "httpMethod": field.context_http_method(),
                "resourcePath": field.context_resource_path(),
                "status": field.context_status(),
                "responseLength": field.context_response_length(),
                "integrationLatency": field.context_integration_latency(),
                "tenant": field.context_authorizer_claims("custom:tenant_id"),
                "xrayTraceId": field.context_xray_trace_id(),
            }
        )
    )
