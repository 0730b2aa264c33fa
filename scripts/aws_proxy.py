#!/usr/bin/env python3
"""A recording, fault-injecting HTTP proxy in front of the local AWS endpoint (test harness only).

Playbooks get ``AWS_ENDPOINT_URL`` = the proxy; it forwards every request unchanged to one moto server
and records each AWS API call as ``(service, action)`` with whether it mutates. On demand it answers a
seeded, reproducible fraction of the calls with the throttling error the real service sends for that
protocol instead of forwarding them, and it can run a hook right after a given call (the tests use it
to kill a playbook at a precise point).

Used two ways:

* as a library by the pytest fixtures and the benchmarks::

      with AwsProxy(emulator.url) as proxy:        # or proxy = AwsProxy(url).start() ... proxy.stop()
          mark = proxy.mark()
          ...run a playbook with AWS_ENDPOINT_URL=proxy.url...
          proxy.calls(mark)                         # [Call(service='ecs', action='DescribeClusters', ...), ...]
          proxy.mutating_calls(mark)                # the calls that would change something
          proxy.set_fault_rate(0.2, seed=7)         # refuse 20 % of the calls from now on

* as a command, in front of a running endpoint (``scripts/emulator.py ensure`` starts one)::

      python scripts/aws_proxy.py --upstream "$AWS_ENDPOINT_URL" [--fault-rate 0.2 --seed 7] [--log calls.jsonl]

  It prints the ``export AWS_ENDPOINT_URL=...`` line to use, logs one JSON line per call, and prints
  the calls counted by service and action when stopped (Ctrl-C or SIGTERM).

Only ever meant for a loopback endpoint: it refuses any other upstream.
"""

import argparse
import collections
import http.client
import http.server
import json
import os
import random
import re
import signal
import socket
import sys
import threading
import time
import urllib.parse
import uuid

from emulator import is_loopback_url

# Read-only operations by the first word of their name; everything else is taken as a write, so an
# operation nobody thought of counts as mutating (the safe side for "check mode makes no write").
READ_PREFIXES = (
    "Describe", "List", "Get", "Head", "Search", "Lookup", "Query", "Scan", "Select", "Filter",
    "Check", "Validate", "Test", "Simulate", "Estimate", "Preview", "Download", "View",
    "BatchGet", "BatchCheck", "BatchDescribe",
)
# Whole operation names that read (or compute) without changing anything an account holds.
READ_ACTIONS = frozenset({
    "AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity", "DecodeAuthorizationMessage",
    "Decrypt", "Encrypt", "ReEncrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext", "GenerateMac", "GenerateRandom", "Sign", "Verify", "VerifyMac",
})


def is_mutating(action):
    """Whether an AWS operation changes anything (Create*, Put*, Delete*, Tag*, ...).

    Reads are Describe*/List*/Get*/Head* and the other read prefixes above (``BatchGetImage`` reads,
    ``BatchDeleteImage`` writes); an empty or unknown name is a write.
    """
    action = action or ""
    if action in READ_ACTIONS:
        return False
    for prefix in READ_PREFIXES:
        # "Describe" reads, but a hypothetical "Described..." or "Lists..." is not special-cased: the
        # prefix must be followed by an upper-case letter or end the name (GetCallerIdentity, List).
        if action.startswith(prefix) and (len(action) == len(prefix) or action[len(prefix)].isupper()):
            return False
    return True


CREDENTIAL_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/([^/,\s]+)/([^/,\s]+)/aws4_request")
CBOR_PATH = re.compile(r"^/service/([^/]+)/operation/([^/?]+)")


def credential_scope(headers, query=""):
    """(region, service) of a SigV4-signed request, from its Authorization header or presigned query."""
    match = CREDENTIAL_SCOPE.search(_header(headers, "Authorization") or "")
    if match is None and query:
        credential = urllib.parse.parse_qs(query).get("X-Amz-Credential", [""])[0]
        match = CREDENTIAL_SCOPE.search("Credential=" + credential)
    return (match.group(1), match.group(2)) if match else (None, None)


def _header(headers, name):
    """A header's value from a dict (any case) or an http.client message."""
    if hasattr(headers, "get_all"):
        return headers.get(name)
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


class RestOperations:
    """Matches method + path to an operation of a REST service (Route 53, S3, ...) with botocore's model."""

    _cache = {}
    _lock = threading.Lock()

    @classmethod
    def for_service(cls, service):
        with cls._lock:
            if service not in cls._cache:
                cls._cache[service] = cls._load(service)
            return cls._cache[service]

    @staticmethod
    def _load(service):
        try:
            import botocore.session  # pylint: disable=import-outside-toplevel

            model = botocore.session.get_session().get_service_model(service)
        except Exception:  # pylint: disable=broad-except  # any service botocore does not know
            return []
        routes = []
        for name in model.operation_names:
            operation = model.operation_model(name)
            http = operation.http
            uri, _, query = http.get("requestUri", "/").partition("?")
            pattern = ""
            for literal, label in re.findall(r"([^{]*)(?:\{([^}]*)\})?", uri):
                pattern += re.escape(literal)
                if label:
                    pattern += "(.+)" if label.endswith("+") else "([^/]+)"
            pattern = "^" + pattern.rstrip("/") + "/?$"
            # The query keys the route needs: literal ones (S3's "?acl") and required query-string members
            # (S3's UploadPart needs partNumber and uploadId); "x-id" names the operation, when sent.
            keys = [part.split("=")[0] for part in query.split("&") if part and not part.startswith("x-id=")]
            shape = operation.input_shape
            for member in (shape.required_members if shape else []):
                if shape.members[member].serialization.get("location") == "querystring":
                    keys.append(shape.members[member].serialization.get("name", member))
            specificity = len(re.sub(r"\{[^}]*\}", "", uri)) + 100 * len(keys)
            routes.append((specificity, http.get("method", "GET"), re.compile(pattern), keys, name))
        routes.sort(key=lambda route: -route[0])
        return routes

    @classmethod
    def match(cls, service, method, path, query):
        present = urllib.parse.parse_qs(query, keep_blank_values=True)
        named = present.get("x-id", [None])[0]
        for _, route_method, pattern, keys, name in cls.for_service(service):
            if route_method == method and pattern.match(path) and all(key in present for key in keys):
                if named in (None, name):
                    return name
        return None


def identify(method, path, headers, body=b""):
    """What a request is: ``(service, action, protocol)``.

    * service: the SigV4 credential scope's service (``ecs``, ``rds``, ``elasticloadbalancing``...);
    * action: from ``X-Amz-Target`` (JSON protocol), ``/service/S/operation/Op`` (Smithy RPC v2 CBOR),
      ``Action=`` in the form body or the query string (query and EC2 protocols), or the operation whose
      HTTP route matches (REST protocols; ``METHOD /path`` when none does);
    * protocol: ``json``, ``cbor``, ``query``, ``ec2`` or ``rest``.
    """
    path, _, query = path.partition("?")
    _, service = credential_scope(headers, query)
    service = service or "unknown"
    target = _header(headers, "X-Amz-Target")
    if target:
        return service, target.rpartition(".")[2], "json"
    cbor = CBOR_PATH.match(path)
    if cbor and _header(headers, "smithy-protocol"):
        return service, cbor.group(2), "cbor"
    form = {}
    content_type = (_header(headers, "Content-Type") or "").lower()
    if method == "POST" and content_type.startswith("application/x-www-form-urlencoded") and body:
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
    action = form.get("Action", [None])[0] or urllib.parse.parse_qs(query).get("Action", [None])[0]
    if action:
        return service, action, "ec2" if service == "ec2" else "query"
    action = RestOperations.match(service, method, path, query)
    if action == "CopyObject" and not _header(headers, "x-amz-copy-source"):
        action = "PutObject"   # the same route; only the copy-source header tells them apart
    return service, action or f"{method} {path}", "rest"


# --- the throttling answer each protocol really sends -------------------------------------------------

def _cbor_text(text):
    data = text.encode("utf-8")
    length = len(data)
    if length < 24:
        head = bytes([0x60 | length])
    elif length < 256:
        head = bytes([0x78, length])
    else:
        head = bytes([0x79]) + length.to_bytes(2, "big")
    return head + data


def cbor_map(mapping):
    """A CBOR map of text to text (all a Smithy RPC v2 error body needs)."""
    assert len(mapping) < 24
    out = bytes([0xA0 | len(mapping)])
    for key, value in mapping.items():
        out += _cbor_text(key) + _cbor_text(value)
    return out


# JSON services that moved from the query protocol and still name their errors as they did there.
QUERY_COMPATIBLE = frozenset({"monitoring", "sqs"})


def throttle_response(service, protocol, request_headers):
    """``(status, headers, body)`` of the throttling error ``service`` answers over ``protocol``.

    EC2: HTTP 503 ``RequestLimitExceeded``; query services (RDS, IAM, ELBv2, STS, SNS...): HTTP 400
    ``Throttling``; JSON and CBOR services (ECS, ECR, Logs, SSM, Secrets Manager, ACM...): HTTP 400
    ``ThrottlingException``; S3: HTTP 503 ``SlowDown``; Route 53 and other REST XML: HTTP 400
    ``Throttling``; REST JSON: HTTP 429 ``TooManyRequestsException``. botocore retries every one of them.
    """
    request_id = str(uuid.uuid4())
    if protocol == "json":
        content_type = _header(request_headers, "Content-Type") or "application/x-amz-json-1.1"
        body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()
        headers = {"Content-Type": content_type, "x-amzn-RequestId": request_id}
        if service in QUERY_COMPATIBLE:
            headers["x-amzn-query-error"] = "Throttling;Sender"   # the code their query API answered
        return 400, headers, body
    if protocol == "cbor":
        body = cbor_map({"__type": "ThrottlingException", "message": "Rate exceeded"})
        headers = {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor", "x-amzn-RequestId": request_id}
        if service in QUERY_COMPATIBLE:
            headers["x-amzn-query-error"] = "Throttling;Sender"
        return 400, headers, body
    if protocol == "ec2":
        body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>RequestLimitExceeded</Code>"
                f"<Message>Request limit exceeded.</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>")
        return 503, {"Content-Type": "text/xml;charset=UTF-8"}, body.encode()
    if service == "s3":
        body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code>"
                f"<Message>Please reduce your request rate.</Message><RequestId>{request_id}</RequestId></Error>")
        return 503, {"Content-Type": "application/xml", "x-amz-request-id": request_id}, body.encode()
    if protocol == "rest" and "json" in (_header(request_headers, "Content-Type") or "").lower():
        body = json.dumps({"message": "Rate exceeded"}).encode()
        return 429, {"Content-Type": "application/json", "x-amzn-ErrorType": "TooManyRequestsException",
                     "x-amzn-RequestId": request_id}, body
    body = (f"<?xml version=\"1.0\"?>\n<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
            f"<Message>Rate exceeded</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>")
    return 400, {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}, body.encode()


# --- the proxy ------------------------------------------------------------------------------------------

Call = collections.namedtuple("Call", "index service action mutating status faulted protocol method path seconds")
Call.__doc__ = "One AWS API call the proxy saw. ``faulted``: answered with throttling, never forwarded."

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}
CONTROL_PREFIX = "/moto-api"


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive, as botocore's connection pool expects
    disable_nagle_algorithm = True  # small answers go out at once
    server_version = "aws-proxy"

    def log_message(self, format, *args):  # noqa: A002  # pylint: disable=redefined-builtin
        pass  # the calls are recorded, not logged per request

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self):
        proxy = self.server.proxy
        body = self._read_body()
        started = time.monotonic()
        if self.path.startswith(CONTROL_PREFIX):   # moto's own API: never recorded, never refused
            status, headers, payload = proxy.forward(self.command, self.path, self.headers, body)
            self._reply(status, headers, payload)
            return
        service, action, protocol = identify(self.command, self.path, self.headers, body)
        fault = proxy.should_fault()
        if fault:
            status, headers, payload = throttle_response(service, protocol, self.headers)
            headers = list(headers.items())
        else:
            status, headers, payload = proxy.forward(self.command, self.path, self.headers, body)
        call = proxy.record(service, action, protocol, self.command, self.path, status, fault, time.monotonic() - started)
        if not fault and proxy.run_hooks(call, body):
            self.close_connection = True   # the hook ended the caller: no answer, as after a crash
            return
        self._reply(status, headers, payload)

    def _reply(self, status, headers, payload):
        self.send_response_only(status)
        for name, value in headers:
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle  # noqa: N815


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


class AwsProxy:
    """A recording, fault-injecting proxy on 127.0.0.1 in front of one local AWS endpoint."""

    def __init__(self, upstream, port=0, region="us-east-1"):
        if not is_loopback_url(upstream):
            raise ValueError(f"refusing to proxy {upstream}: the upstream must be a loopback address")
        parts = urllib.parse.urlsplit(upstream)
        self.upstream = upstream
        self._upstream_addr = (parts.hostname, parts.port or 80)
        self.region = region
        self._port = port
        self._server = None
        self._thread = None
        self._local = threading.local()
        self._lock = threading.Lock()
        self._calls = []
        self._hooks = []
        self._fault_rate = 0.0
        self._fault_random = random.Random(0)

    # life cycle
    @property
    def port(self):
        return self._server.server_address[1] if self._server else self._port

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self._server = _Server(("127.0.0.1", self._port), _Handler)
        self._server.proxy = self
        self._thread = threading.Thread(target=self._server.serve_forever, name="aws-proxy", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=10)
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def env(self):
        """The environment a playbook needs to talk to AWS through this proxy."""
        from emulator import endpoint_env  # pylint: disable=import-outside-toplevel

        return endpoint_env(self.url, self.region)

    # recording
    def mark(self):
        """A position in the record: pass it to ``calls()`` / ``mutating_calls()`` to see what came after."""
        with self._lock:
            return len(self._calls)

    def calls(self, since=0):
        """Every AWS API call since ``since`` (a ``mark()``), in the order they were answered."""
        with self._lock:
            return list(self._calls[since:])

    def mutating_calls(self, since=0):
        """The calls since ``since`` that would change something, refused by a fault or not."""
        return [call for call in self.calls(since) if call.mutating]

    def counts(self, since=0):
        """``{(service, action): number of calls}`` since ``since``."""
        return dict(collections.Counter((call.service, call.action) for call in self.calls(since)))

    def record(self, service, action, protocol, method, path, status, faulted, seconds):
        with self._lock:
            call = Call(len(self._calls), service, action, is_mutating(action), status, faulted, protocol,
                        method, path.partition("?")[0], round(seconds, 4))
            self._calls.append(call)
        return call

    # faults
    def set_fault_rate(self, rate, seed=0):
        """Answer ``rate`` (0 to 1) of the calls from now on with throttling; ``seed`` makes it reproducible."""
        if not 0 <= rate <= 1:
            raise ValueError(f"fault rate {rate} is not between 0 and 1")
        with self._lock:
            self._fault_rate = rate
            self._fault_random = random.Random(seed)

    def should_fault(self):
        with self._lock:
            return self._fault_rate > 0 and self._fault_random.random() < self._fault_rate

    # hooks
    def after_call(self, action, hook, service=None, times=1, answer=False):
        """Run ``hook(call, body)`` after each of the next ``times`` forwarded calls of ``action``.

        The call has reached the endpoint (its effect is there); ``body`` is the request's body as sent.
        Unless ``answer``, its caller then gets no answer (the connection closes): the tests pass a hook
        that kills the playbook there, as a crash would.
        """
        with self._lock:
            self._hooks.append({"action": action, "service": service, "hook": hook, "left": times, "answer": answer})

    def clear_hooks(self):
        with self._lock:
            self._hooks = []

    def run_hooks(self, call, body=b""):
        """Runs the hooks due after ``call``; True when the caller must get no answer."""
        with self._lock:
            due = [h for h in self._hooks if h["left"] > 0 and h["action"] == call.action
                   and h["service"] in (None, call.service)]
            for hook in due:
                hook["left"] -= 1
        for hook in due:
            hook["hook"](call, body)
        return any(not hook["answer"] for hook in due)

    # forwarding
    def _connection(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection(*self._upstream_addr, timeout=600)
            conn.connect()
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._local.conn = conn
        return conn

    def forward(self, method, path, headers, body):
        """Sends the request unchanged (same path, headers, body) upstream; returns (status, headers, body)."""
        out_headers = [(k, v) for k, v in headers.items() if k.lower() not in HOP_BY_HOP and k.lower() != "content-length"]
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
                for name, value in out_headers:
                    conn.putheader(name, value)
                conn.putheader("Content-Length", str(len(body)))
                conn.endheaders(body)
                response = conn.getresponse()
                payload = response.read()
                if response.will_close:
                    conn.close()
                    self._local.conn = None
                return response.status, response.getheaders(), payload
            except (http.client.HTTPException, OSError):
                conn.close()
                self._local.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


# --- command --------------------------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", default=os.environ.get("AWS_ENDPOINT_URL"),
                        help="the local AWS endpoint to forward to (default: $AWS_ENDPOINT_URL)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    parser.add_argument("--fault-rate", type=float, default=0.0, help="fraction of calls answered with throttling")
    parser.add_argument("--seed", type=int, default=0, help="seed of the fault choice (same seed, same calls refused)")
    parser.add_argument("--log", help="append one JSON line per call to this file")
    args = parser.parse_args(argv)
    if not args.upstream:
        parser.error("no upstream: pass --upstream or set AWS_ENDPOINT_URL")
    proxy = AwsProxy(args.upstream, port=args.port)
    proxy.set_fault_rate(args.fault_rate, args.seed)
    proxy.start()
    print(f"export AWS_ENDPOINT_URL={proxy.url}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    logged = 0
    log = open(args.log, "a", encoding="utf-8") if args.log else None  # noqa: SIM115
    try:
        while not stop.wait(0.5):
            if log:
                for call in proxy.calls(logged):
                    log.write(json.dumps(call._asdict()) + "\n")
                    logged += 1
                log.flush()
    except KeyboardInterrupt:
        pass
    finally:
        proxy.stop()
        if log:
            for call in proxy.calls(logged):
                log.write(json.dumps(call._asdict()) + "\n")
            log.close()
    calls = proxy.calls()
    print(f"{len(calls)} calls, {sum(c.mutating for c in calls)} mutating, {sum(c.faulted for c in calls)} refused",
          file=sys.stderr)
    for (service, action), count in sorted(proxy.counts().items()):
        print(f"{count:6d}  {service} {action}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
