"""The browser app (web/) on S3 behind CloudFront, and the API behind the same domain.

The bucket is private: CloudFront reads it with Origin Access Control (OAC), nobody else.
The API's stage path (/v1/*) goes through the same distribution to API Gateway, uncached,
so the app calls its own origin: no CORS, and the Content-Security-Policy's connect-src
stays 'self' (plus Cognito's endpoint for the sign-in). The app routes by URL hash: every
path CloudFront serves is a real file, no rewrite to index.html is needed.

The CSP allows no inline script but the import map of web/index.html, by its hash
(computed here from the file deployed). Styles set from JavaScript go through the CSSOM,
which CSP does not restrict.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from relance_infra.constructs import acknowledge, arn_token
from relance_infra.constructs.api import STAGE_NAME
from relance_infra.constructs.storage import private_bucket

# What `make web` copies from node_modules: without it the app cannot start.
VENDOR_FILES = ("preact.mjs", "hooks.mjs", "htm.mjs", "uPlot.iife.min.js", "uPlot.min.css")
LOG_RETENTION_DAYS = 365
_IMPORT_MAP = re.compile(r'<script type="importmap">(.*?)</script>', re.DOTALL)


def inline_script_hashes(index_html: str) -> list[str]:
    """CSP source expressions for the page's inline scripts (its import map only)."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _IMPORT_MAP.findall(index_html)
    ]


def content_security_policy(index_html: str, region: str) -> str:
    scripts = " ".join(["'self'", *inline_script_hashes(index_html)])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src 'self' https://cognito-idp.{region}.amazonaws.com",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "upgrade-insecure-requests",
        ]
    )


class WebHosting(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        web_dir: Path,
        rest_api: apigw.RestApi,
        user_pool_client: cognito.UserPoolClient,
        access_logs: s3.IBucket,
    ) -> None:
        super().__init__(scope, construct_id)
        missing = [f for f in VENDOR_FILES if not (web_dir / "vendor" / f).is_file()]
        if missing:
            raise RuntimeError(f"web/vendor lacks {missing}: run `make web` before synth")
        stack = cdk.Stack.of(self)
        self.bucket = private_bucket(
            self,
            "Site",
            access_logs=access_logs,
            logs_prefix="web/",
            versioned=True,
            lifecycle_rule=s3.LifecycleRule(
                id="expire-old-app-versions",
                noncurrent_version_expiration=cdk.Duration.days(30),
            ),
        )
        # CloudFront's standard logs are written with ACLs: a bucket of their own.
        self.cdn_logs = private_bucket(
            self,
            "CdnLogs",
            access_logs=access_logs,
            logs_prefix="cdn-logs/",
            object_ownership=s3.ObjectOwnership.OBJECT_WRITER,
            lifecycle_rule=s3.LifecycleRule(
                id="expire-cdn-logs", expiration=cdk.Duration.days(LOG_RETENTION_DAYS)
            ),
        )
        index_html = (web_dir / "index.html").read_text()
        self.headers = cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            comment="Relance web app: CSP without inline scripts, HSTS, no framing",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=content_security_policy(index_html, stack.region),
                    override=True,
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=cdk.Duration.days(730),
                    include_subdomains=True,
                    preload=True,
                    override=True,
                ),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
                    override=True,
                ),
            ),
        )
        stage = STAGE_NAME  # a literal: CloudFront's path pattern cannot be a token
        api_domain = f"{rest_api.rest_api_id}.execute-api.{stack.region}.{stack.url_suffix}"
        self.distribution = cloudfront.Distribution(
            self,
            "Cdn",
            comment="Relance web app and its API",
            default_root_object="index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=self.headers,
                compress=True,
            ),
            additional_behaviors={
                f"/{stage}/*": cloudfront.BehaviorOptions(
                    origin=origins.HttpOrigin(
                        api_domain,
                        protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
                        origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
                    ),
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                    cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                    # Everything but Host (API Gateway answers to its own name), with
                    # the Authorization header and the query string.
                    origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                    response_headers_policy=self.headers,
                ),
            },
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            enable_logging=True,
            log_bucket=self.cdn_logs,
            log_file_prefix="cdn/",
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR1",
            "No geo restriction: the users are French SMEs' staff, who also work abroad; "
            "sign-in and the API's tenant checks guard the data, not the country.",
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR2",
            "A CloudFront WAF web ACL must live in us-east-1 (another stack); the API behind "
            "the distribution throttles per stage and needs a token. To add with the custom "
            "domain.",
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR4",
            "The default *.cloudfront.net certificate lets CloudFront negotiate TLSv1 with "
            "old viewers, and no minimum can be set without a certificate of our own: set "
            "TLSv1.2_2021 with the custom domain and its ACM certificate.",
        )
        config = {
            "api": f"/{stage}",
            "auth": "cognito",
            "region": stack.region,
            "clientId": user_pool_client.user_pool_client_id,
        }
        self.deployment = s3deploy.BucketDeployment(
            self,
            "Deploy",
            sources=[
                s3deploy.Source.asset(str(web_dir)),
                s3deploy.Source.json_data("config.json", config),
            ],
            destination_bucket=self.bucket,
            distribution=self.distribution,
            distribution_paths=["/*"],
            memory_limit=256,
        )
        self._acknowledge_deployment_handler(stack, self.bucket)

    @staticmethod
    def _acknowledge_deployment_handler(stack: cdk.Stack, bucket: s3.Bucket) -> None:
        """The CDK's own BucketDeployment function (one per stack, outside this construct):
        its grants are the CDK's (read the asset, write the site, invalidate the cache)."""
        wildcards = [
            *(f"Action::s3:{a}" for a in ("Abort*", "DeleteObject*", "GetBucket*",
                                          "GetObject*", "List*")),
            f"Resource::{arn_token(bucket)}/*",
            "Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-"
            "<AWS::Region>/*",
            "Resource::*",  # cloudfront:CreateInvalidation/GetInvalidation take no ARN scope
        ]  # fmt: skip
        for child in stack.node.children:
            if child.node.id.startswith("Custom::CDKBucketDeployment"):
                for finding in wildcards:
                    acknowledge(
                        child,
                        f"AwsSolutions-IAM5[{finding}]",
                        "The CDK's BucketDeployment grants: read the app's asset in the CDK "
                        "assets bucket, replace the site bucket's objects, invalidate the "
                        "distribution. It runs only during deployments.",
                    )
                acknowledge(
                    child,
                    "AwsSolutions-L1",
                    "The CDK's BucketDeployment handler: its runtime is the CDK's choice and "
                    "moves with aws-cdk-lib upgrades; it runs only during deployments.",
                )
                acknowledge(
                    child,
                    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
                    "service-role/AWSLambdaBasicExecutionRole]",
                    "The CDK's BucketDeployment handler writes its logs with AWS's basic "
                    "execution policy; it runs only during deployments.",
                )
