"""RelanceStack: storage, auth, layers, the API and the nightly run, plus the outputs."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks
from constructs import Construct

from relance_infra import (
    DEPS_LAYER_DIR,
    FUNCTIONS_DIR,
    LAYER_SOURCE,
    RELANCE_LAYER_DIR,
    WEB_DIR,
)
from relance_infra.constructs.api import Api
from relance_infra.constructs.auth import Auth
from relance_infra.constructs.bi_export import BiExport
from relance_infra.constructs.daily_report import DailyReport
from relance_infra.constructs.deliverability import Deliverability
from relance_infra.constructs.dispatch import Dispatch
from relance_infra.constructs.integration_events import IntegrationEvents
from relance_infra.constructs.layers import Layers
from relance_infra.constructs.nightly import Nightly
from relance_infra.constructs.portal import Portal
from relance_infra.constructs.retention import Retention
from relance_infra.constructs.storage import Storage
from relance_infra.constructs.web import WebHosting


class RelanceStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, deps_hash: str, **kwargs: Any):
        super().__init__(scope, construct_id, **kwargs)
        self.storage = Storage(self, "Storage")
        self.auth = Auth(self, "Auth")
        self.layers = Layers(
            self,
            "Layers",
            relance_source=LAYER_SOURCE,
            relance_builds=RELANCE_LAYER_DIR,
            deps_dir=DEPS_LAYER_DIR,
            deps_hash=deps_hash,
        )
        self.api = Api(
            self,
            "Api",
            functions_dir=FUNCTIONS_DIR,
            layers=self.layers,
            table=self.storage.table,
            raw_bucket=self.storage.raw_bucket,
            user_pool=self.auth.user_pool,
        )
        # After the API: ApiFunction manages the tenants' schedules of the nightly run.
        self.nightly = Nightly(
            self,
            "Nightly",
            functions_dir=FUNCTIONS_DIR,
            layers=self.layers,
            table=self.storage.table,
            api_function=self.api.api_function,
        )
        # Sending (issue 5): the dispatch queue's reminders to SES and the documents bucket.
        self.dispatch = Dispatch(
            self,
            "Dispatch",
            functions_dir=FUNCTIONS_DIR,
            layers=self.layers,
            table=self.storage.table,
            dispatch_queue=self.nightly.dispatch_queue,
            access_logs=self.storage.access_logs,
        )
        self.dispatch.grant_documents_to_api(self.api.api_function)
        # SES events (B5): bounces and complaints suppress, alert and fall back to letters.
        self.deliverability = Deliverability(
            self,
            "Deliverability",
            functions_dir=FUNCTIONS_DIR,
            layers=self.layers,
            table=self.storage.table,
            dispatch_queue=self.nightly.dispatch_queue,
        )
        # Personal data (B7): the weekly retention run.
        self.retention = Retention(
            self,
            "Retention",
            functions_dir=FUNCTIONS_DIR,
            layers=self.layers,
            table=self.storage.table,
        )
        # Exports for BI (K6): every tenant's datasets, daily, to their own bucket.
        self.bi_export = BiExport(
            self,
            "BiExport",
            functions_dir=FUNCTIONS_DIR,
            layers=self.layers,
            table=self.storage.table,
            access_logs=self.storage.access_logs,
        )
        # Events for integrators (B8): the functions whose writes make them put them on the bus.
        self.integration_events = IntegrationEvents(self, "IntegrationEvents")
        for function, service in (
            (self.api.api_function, "relance-api"),
            (self.api.ingest_function, "relance-ingest"),
            (self.dispatch.function, "relance-dispatch"),
        ):
            self.integration_events.grant_emit(function, service)
        # The browser app (issue 6) and the API behind one CloudFront domain.
        self.daily_report = DailyReport(
            self,
            "DailyReport",
            functions_dir=FUNCTIONS_DIR,
            layers=self.layers,
            table=self.storage.table,
            sender=str(self.node.try_get_context("relance:defaultSender") or ""),
        )
        self.web = WebHosting(
            self,
            "Web",
            web_dir=WEB_DIR,
            rest_api=self.api.rest_api,
            user_pool_client=self.auth.client,
            access_logs=self.storage.access_logs,
        )
        # The customer portal (K7): its function and routes on the REST API, no Cognito;
        # links point at its page on the web app's domain.
        self.portal = Portal(
            self,
            "Portal",
            functions_dir=FUNCTIONS_DIR,
            layers=self.layers,
            table=self.storage.table,
            documents=self.dispatch.documents,
            rest_api=self.api.rest_api,
        )
        self.portal.issue_links_from(
            self.web.distribution.distribution_domain_name,
            [self.api.api_function, self.dispatch.function],
        )
        # A promise or dispute the customer records on its portal is an integration event too.
        self.integration_events.grant_emit(self.portal.function, "relance-portal")
        cdk.CfnOutput(
            self, "WebUrl", value=f"https://{self.web.distribution.distribution_domain_name}"
        )
        cdk.CfnOutput(self, "ApiUrl", value=self.api.rest_api.url)
        cdk.CfnOutput(self, "TableName", value=self.storage.table.table_name)
        cdk.CfnOutput(self, "RawBucketName", value=self.storage.raw_bucket.bucket_name)
        cdk.CfnOutput(self, "DocumentsBucketName", value=self.dispatch.documents.bucket_name)
        cdk.CfnOutput(self, "BiExportsBucketName", value=self.bi_export.bucket.bucket_name)
        cdk.CfnOutput(self, "UserPoolId", value=self.auth.user_pool.user_pool_id)
        cdk.CfnOutput(self, "UserPoolClientId", value=self.auth.client.user_pool_client_id)


def build_app(
    *, deps_hash: str, context: dict[str, Any] | None = None, outdir: str | None = None
) -> tuple[cdk.App, RelanceStack]:
    """The app as `cdk synth` builds it, with the cdk-nag AWS Solutions checks registered.

    Any unacknowledged finding fails synthesis (cdk-nag 3 reports through CDK's policy
    validation); acknowledgments sit next to the resource they concern, each with a reason.
    """
    app = cdk.App(context=context, outdir=outdir)
    stack = RelanceStack(
        app,
        "RelanceStack",
        deps_hash=deps_hash,
        description="Relance: receivables follow-up and dunning for Sage 100 SMEs",
    )
    cdk.Tags.of(app).add("project", "relance")
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    return app, stack
