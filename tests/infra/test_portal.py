"""The customer portal's infrastructure (K7): its function, its routes without Cognito on the
REST API, their throttling, least-privilege grants, and the link address the issuing
functions get. cdk-nag is clean for the whole app (tests/infra/test_stack.py checks it; this
module synthesizes the same app and checks it too)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "infra"))

from relance.store.portal import PORTAL_URL_ENV
from relance_infra.constructs.portal import BURST_LIMIT, PORTAL_ROUTES, RATE_LIMIT
from tests.infra.test_stack import Synth, synth  # noqa: F401  (the synthesized app)

pytestmark = pytest.mark.infra


def _portal_methods(synth: Synth) -> list[dict[str, Any]]:  # noqa: F811
    function_id = synth.logical_id(synth.stack.portal.function)
    return [
        m["Properties"]
        for m in synth.of_type("AWS::ApiGateway::Method").values()
        if function_id in json.dumps(m["Properties"]["Integration"]["Uri"])
    ]


def test_nag_is_clean_with_the_portal_in(synth: Synth) -> None:  # noqa: F811
    assert synth.nag_findings == []


def test_only_the_portal_routes_reach_the_portal_function_without_cognito(
    synth: Synth,  # noqa: F811
) -> None:
    methods = _portal_methods(synth)
    assert sorted(m["HttpMethod"] for m in methods) == sorted(m for m, _ in PORTAL_ROUTES)
    assert {m["AuthorizationType"] for m in methods} == {"NONE"}


def test_the_portal_methods_are_throttled_harder_than_the_stage(
    synth: Synth,  # noqa: F811
) -> None:
    (stage,) = synth.of_type("AWS::ApiGateway::Stage").values()
    settings = {
        (s["HttpMethod"], s["ResourcePath"]): s for s in stage["Properties"]["MethodSettings"]
    }
    stage_wide = settings[("*", "/*")]
    for method, path in PORTAL_ROUTES:
        mine = settings[(method, "/" + path.replace("/", "~1"))]
        assert (mine["ThrottlingRateLimit"], mine["ThrottlingBurstLimit"]) == (
            RATE_LIMIT, BURST_LIMIT
        )  # fmt: skip
        assert mine["ThrottlingRateLimit"] < stage_wide["ThrottlingRateLimit"]
        assert mine["DataTraceEnabled"] is False


def _statements(synth: Synth, function: Any) -> list[dict[str, Any]]:  # noqa: F811
    role_id = synth.logical_id(function.role)
    found = []
    for policy in synth.of_type("AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            found += policy["Properties"]["PolicyDocument"]["Statement"]
    return found


def test_the_portal_function_may_not_delete_nor_scan_and_reads_only_invoice_pdfs(
    synth: Synth,  # noqa: F811
) -> None:
    actions: set[str] = set()
    for statement in _statements(synth, synth.stack.portal.function):
        found = statement["Action"]
        mine = {found} if isinstance(found, str) else set(found)
        actions |= mine
        if mine & {"s3:GetObject", "s3:ListBucket"}:  # invoice PDFs, nothing else
            assert "invoices" in json.dumps(statement["Resource"]) or "Condition" in statement
    assert not {"dynamodb:DeleteItem", "dynamodb:Scan", "s3:PutObject"} & actions
    assert {"dynamodb:GetItem", "dynamodb:UpdateItem", "s3:GetObject"} <= actions


def test_the_functions_that_issue_links_know_the_portal_page(synth: Synth) -> None:  # noqa: F811
    for function in (synth.stack.api.api_function, synth.stack.dispatch.function):
        env = synth.resources[synth.logical_id(function)]["Properties"]["Environment"]
        url = env["Variables"][PORTAL_URL_ENV]
        assert "portal/index.html" in json.dumps(url)
        domain = synth.logical_id(synth.stack.web.distribution)
        assert domain in json.dumps(url)  # the web app's own CloudFront domain
