"""A local AWS API for runtime code (Lambda handlers, the operator CLI): moto in server mode on 127.0.0.1.

Nothing is mocked inside the code under test: it runs boto3 against the moto endpoint, and a custom resource
handler sends its response over HTTP to a local receiver, as it would to CloudFormation. What each piece stands in
for:

- `moto_endpoint` (fixture, one server per test module): the AWS APIs, as `http://127.0.0.1:<free port>`. One
  account (moto's default, 123456789012) and every region.
- `aws` (fixture): the environment of a Lambda function or an operator's shell, pointed at that server, with test
  credentials and no retries; the server's state is reset after each test. Every boto3 session of the test's
  process shares one botocore loader (`shared_loader`), so the API models are read from disk once per process, not
  once per session (the access audit and parity tests make a session per account).
- `resolve_account_hosts`: the DNS of S3 Control's account endpoints. boto3 puts the account ID in front of the
  endpoint's host (`123456789012.s3-control.<region>.amazonaws.com`), so with the local endpoint it asks for
  `123456789012.127.0.0.1`; this resolves such names to the server (used by the `aws` fixture).
- `ResponseReceiver` / `cloudformation` (fixture): CloudFormation's pre-signed S3 URL that a custom resource
  handler PUTs its response to; `.received` holds the responses in order.
- `custom_resource_event`: the event CloudFormation sends a custom resource's Lambda function.
- `load_handler`: a handler module loaded from its file, as Lambda loads it (not through the `constructs` package).
- `PropagatingIam` / `iam_propagation` (fixture): IAM's eventual consistency, which moto does not have: STS
  requests pass through it, and the first N `AssumeRole` calls are denied as STS denies them while a just-created
  role or policy propagates.

The tests import nothing from here: `tests/conftest.py` registers this module as a plugin, so a test takes the
fixtures by name.
"""

from __future__ import annotations

import functools
import http.client
import importlib.util
import json
import re
import socket
import socketserver
import threading
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import botocore.loaders
import botocore.session
import pytest
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

LOCALHOST = "127.0.0.1"
MOTO_ACCOUNT = "123456789012"  # moto's default account: every call lands in it
LOCAL_AWS_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_MAX_ATTEMPTS": "1",
}
# Would point boto3 elsewhere (a real profile or session) or override the region.
CLEARED_ENVIRONMENT = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION")


_ACCOUNT_HOST = re.compile(rf"\d{{12}}\.{re.escape(LOCALHOST)}")


def resolve_account_hosts(getaddrinfo: Any) -> Any:
    """`socket.getaddrinfo` that also resolves `<account>.127.0.0.1` (S3 Control's account endpoint) to the server."""

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and _ACCOUNT_HOST.fullmatch(host):
            host = LOCALHOST
        return getaddrinfo(host, *args, **kwargs)

    return resolve


@functools.cache
def shared_loader(search_path: str | None = None) -> botocore.loaders.Loader:
    """botocore's loader of API models (JSON), one per search path: each new session would otherwise parse the
    models of every client it makes again (the loader caches what it read per instance). Read-only, so sharing it
    changes nothing a client does."""
    return botocore.loaders.create_loader(search_path)


# How often a local server's thread checks whether to stop. socketserver's default is half a second, which every
# `shutdown()` waits out: half a second of nothing per test, for each server the test starts.
SHUTDOWN_POLL_SECONDS = 0.02


@contextmanager
def serving(server: socketserver.BaseServer) -> Iterator[None]:
    """`server` answering requests in a thread of its own for the `with` block, then shut down and closed."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS}, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


class LocalMotoServer(ThreadedMotoServer):
    """moto's server in a thread of this process (moto.server.ThreadedMotoServer, whose start-up this repeats) with
    the short shutdown poll: moto's own polls every half second, which `stop()` waits out."""

    def _server_entry(self) -> None:
        app = DomainDispatcherApplication(create_backend_app)
        self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever(poll_interval=SHUTDOWN_POLL_SECONDS)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((LOCALHOST, 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """The URL of a moto server running in a thread of this process, for the test module."""
    port = free_port()
    server = LocalMotoServer(ip_address=LOCALHOST, port=port, verbose=False)
    server.start()
    yield f"http://{LOCALHOST}:{port}"
    server.stop()


@pytest.fixture
def aws(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every boto3 client of the test and of the code under test talks to the local moto server, fresh for each
    test."""
    for key, value in {"AWS_ENDPOINT_URL": moto_endpoint, **LOCAL_AWS_ENVIRONMENT}.items():
        monkeypatch.setenv(key, value)
    for key in CLEARED_ENVIRONMENT:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setattr(socket, "getaddrinfo", resolve_account_hosts(socket.getaddrinfo))
    monkeypatch.setattr(botocore.session, "create_loader", shared_loader)
    boto3.DEFAULT_SESSION = None
    yield
    urllib.request.urlopen(urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST"), timeout=10)
    boto3.DEFAULT_SESSION = None


class QuietHandler(BaseHTTPRequestHandler):
    """The request handler of a local stand-in: answers with `reply`, writes no request lines on stderr."""

    def reply(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.send_response(status)
        for key, value in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


class ResponseReceiver(HTTPServer):
    """Stands in for CloudFormation's pre-signed response URL: keeps the JSON body of every PUT in `received`."""

    def __init__(self) -> None:
        super().__init__((LOCALHOST, 0), _ResponseHandler)
        self.received: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        return f"http://{LOCALHOST}:{self.server_port}/response"


class _ResponseHandler(QuietHandler):
    server: ResponseReceiver

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()


@pytest.fixture
def cloudformation() -> Iterator[ResponseReceiver]:
    """A `ResponseReceiver` serving in a thread for the test; `.url` goes into the event's ResponseURL."""
    server = ResponseReceiver()
    with serving(server):
        yield server


def custom_resource_event(
    receiver: ResponseReceiver,
    request_type: str,
    *,
    resource_type: str,
    logical_id: str,
    stack_id: str,
    properties: dict[str, Any],
    **extra: Any,
) -> dict[str, Any]:
    """The event CloudFormation sends a custom resource's function (Create, Update or Delete); `extra` adds or
    replaces fields, e.g. PhysicalResourceId and OldResourceProperties for an update."""
    return {
        "RequestType": request_type,
        "ResponseURL": receiver.url,
        "StackId": stack_id,
        "RequestId": f"request-{request_type}",
        "ResourceType": resource_type,
        "LogicalResourceId": logical_id,
        "ResourceProperties": properties,
        **extra,
    }


# The error STS answers AssumeRole with while the caller's policy or the role's trust has not propagated.
ACCESS_DENIED = (
    '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
    "<Code>AccessDenied</Code><Message>User is not authorized to perform: sts:AssumeRole</Message></Error>"
    "<RequestId>propagating</RequestId></ErrorResponse>"
)


class PropagatingIam(ThreadingHTTPServer):
    """Stands in for IAM's eventual consistency in front of the moto server: denies the first `failures`
    STS AssumeRole requests (HTTP 403, AccessDenied, as STS does) and forwards every other request unchanged."""

    def __init__(self, moto_endpoint: str, failures: int) -> None:
        super().__init__((LOCALHOST, 0), _PropagatingHandler)
        self.moto = urllib.parse.urlsplit(moto_endpoint)
        self.failures = failures
        self.assume_role_calls = 0
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://{LOCALHOST}:{self.server_port}"

    def deny(self, body: bytes) -> bool:
        """Count an AssumeRole request; True while it is one of the first `failures`."""
        if urllib.parse.parse_qs(body.decode()).get("Action") != ["AssumeRole"]:
            return False
        with self.lock:
            self.assume_role_calls += 1
            return self.assume_role_calls <= self.failures


class _PropagatingHandler(QuietHandler):
    server: PropagatingIam

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.server.deny(body):
            self.reply(403, {"Content-Type": "text/xml"}, ACCESS_DENIED.encode())
            return
        connection = http.client.HTTPConnection(self.server.moto.netloc, timeout=30)
        connection.request("POST", self.path, body=body, headers=dict(self.headers))
        response = connection.getresponse()
        self.reply(response.status, {"Content-Type": response.getheader("Content-Type", "")}, response.read())
        connection.close()


@pytest.fixture
def iam_propagation(
    aws: None, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[int], PropagatingIam]]:
    """`iam_propagation(n)`: from then on STS goes through a `PropagatingIam` that denies the first n AssumeRole
    calls (boto3's per-service endpoint variable AWS_ENDPOINT_URL_STS; every other service talks to moto)."""
    with ExitStack() as servers:

        def start(failures: int) -> PropagatingIam:
            server = PropagatingIam(moto_endpoint, failures)
            servers.enter_context(serving(server))
            monkeypatch.setenv("AWS_ENDPOINT_URL_STS", server.url)
            return server

        yield start


def load_handler(path: Path, name: str) -> ModuleType:
    """The handler module at `path`, loaded from its file as Lambda loads it (not through the `constructs` package)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
