"""The collection's retry behaviour on throttling, and an audit that every AWS call of our modules uses it.

The decorator is exercised on plain functions raising botocore's own ClientError (no AWS, no mock of
boto3); the audit reads the modules' source. Under real throttling: tests/integration/test_aws_proxy.py.
"""

import ast
import pathlib

import botocore.exceptions
import botocore.session
import pytest

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.nestjs_playground.infra.plugins.module_utils import throttling

PLUGINS = pathlib.Path(__file__).resolve().parents[4] / "plugins"
SERVICES = ("ec2", "rds", "iam", "elbv2", "ecs", "ecr", "logs", "ssm", "secretsmanager", "application-autoscaling",
            "acm", "sts", "route53", "kms")


def failing(code, times):
    """A function that raises ``code`` ``times`` times, then answers; and the list of its calls."""
    calls = []

    def call():
        calls.append(code)
        if len(calls) <= times:
            raise botocore.exceptions.ClientError({"Error": {"Code": code, "Message": "Rate exceeded"}}, "Op")
        return "answer"

    return call, calls


@pytest.mark.parametrize("code", ["ThrottlingException", "PriorRequestNotComplete", "SlowDown"])
def test_amazon_aws_jittered_backoff_alone_gives_up_on_the_json_services_throttling(code):
    call, calls = failing(code, 1)
    with pytest.raises(botocore.exceptions.ClientError):
        AWSRetry.jittered_backoff(retries=3, delay=0.001)(call)()
    assert len(calls) == 1


@pytest.mark.parametrize("code", ["ThrottlingException", "Throttling", "RequestLimitExceeded", "TooManyRequestsException",
                                  "PriorRequestNotComplete", "SlowDown"])
def test_our_jittered_backoff_retries_every_throttling_code(code):
    call, calls = failing(code, 2)
    assert throttling.jittered_backoff(retries=3, delay=0.001)(call)() == "answer"
    assert len(calls) == 3


def test_our_jittered_backoff_does_not_retry_a_real_error():
    call, calls = failing("ValidationException", 1)
    with pytest.raises(botocore.exceptions.ClientError):
        throttling.jittered_backoff(retries=3, delay=0.001)(call)()
    assert len(calls) == 1


def test_extra_codes_add_to_the_throttling_codes():
    call, calls = failing("ConcurrentUpdateException", 1)
    decorator = throttling.jittered_backoff(retries=3, delay=0.001, catch_extra_error_codes=["ConcurrentUpdateException"])
    assert decorator(call)() == "answer"
    assert len(calls) == 2


class Waiter:
    """Stands for a boto3 waiter: raises the given WaiterErrors in turn, then returns."""

    def __init__(self, *errors):
        self.errors = list(errors)
        self.calls = []

    def wait(self, **kwargs):
        self.calls.append(kwargs)
        if self.errors:
            raise self.errors.pop(0)


def waiter_error(code=None, reason="Max attempts exceeded"):
    return botocore.exceptions.WaiterError(name="services_stable", reason=reason,
                                           last_response={"Error": {"Code": code}} if code else {})


def test_a_waiter_whose_poll_was_throttled_is_started_again():
    waiter, pauses = Waiter(waiter_error("ThrottlingException"), waiter_error("Throttling")), []
    throttling.wait_through_throttling(waiter, sleep=pauses.append, cluster="c", services=["s"])
    assert waiter.calls == [{"cluster": "c", "services": ["s"]}] * 3
    assert len(pauses) == 2


def test_a_waiter_that_timed_out_or_failed_is_not_started_again():
    for error in (waiter_error(), waiter_error("ServiceNotFoundException", "terminal failure")):
        waiter = Waiter(error)
        with pytest.raises(botocore.exceptions.WaiterError):
            throttling.wait_through_throttling(waiter, sleep=lambda _: None)
        assert len(waiter.calls) == 1


def test_a_waiter_throttled_every_time_gives_up_after_its_restarts():
    waiter = Waiter(*[waiter_error("ThrottlingException")] * 5)
    with pytest.raises(botocore.exceptions.WaiterError):
        throttling.wait_through_throttling(waiter, restarts=3, sleep=lambda _: None)
    assert len(waiter.calls) == 4


# The audit ---------------------------------------------------------------------------------------

def operation_names():
    session = botocore.session.get_session()
    names = set()
    for service in SERVICES:
        names |= {botocore.xform_name(op) for op in session.get_service_model(service).operation_names}
    return names


def is_client(node):
    """Whether an expression names a boto3 client in our modules: ``self.client``, ``client``, ``ec2``..."""
    if isinstance(node, ast.Attribute):
        return node.attr in ("client", "rds") or node.attr.endswith("_client")
    if isinstance(node, ast.Name):
        return node.id in ("client", "ec2", "ssm", "kms", "rds") or node.id.endswith("_client")
    if isinstance(node, ast.Call):   # self.client("ec2").describe_vpcs(...)
        return is_client(node.func)
    return False


def client_calls():
    operations = operation_names()
    for path in sorted((PLUGINS / "modules").glob("*.py")) + sorted((PLUGINS / "module_utils").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and is_client(node.func.value):
                if node.func.attr in operations or node.func.attr in ("get_paginator", "get_waiter"):
                    yield path.name, node


def service_calls():
    """The operations called through resource.ServiceCalls (``self.aws.call("action", "create_secret", ...)``),
    which passes ``aws_retry=True`` itself: (file, operation)."""
    operations = operation_names()
    for path in sorted((PLUGINS / "modules").glob("*.py")) + sorted((PLUGINS / "module_utils").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("call", "pages")
                    and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) and node.args[1].value in operations):
                yield path.name, node.args[1].value


def test_the_audit_finds_the_calls_it_audits():
    names = {node.func.attr for _, node in client_calls()} | {operation for _, operation in service_calls()}
    assert {"create_db_cluster", "register_task_definition", "create_listener", "create_secret"} <= names


def test_service_calls_pass_aws_retry_to_every_call_they_make():
    source = (PLUGINS / "module_utils" / "resource.py").read_text()
    made = [node for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Call) and getattr(node.func.func, "id", None) == "getattr"]
    assert len(made) == 1 and [k.value.value for k in made[0].keywords if k.arg == "aws_retry"] == [True]
    assert "paginated_query_with_retries(self.client, operation, retry_decorator=self.retry" in source


def test_every_aws_call_of_our_modules_is_made_with_aws_retry():
    missing = []
    for filename, node in client_calls():
        if node.func.attr == "get_waiter":
            continue   # audited below
        retry = [k for k in node.keywords if k.arg == "aws_retry"]
        if node.func.attr == "get_paginator" or not (retry and isinstance(retry[0].value, ast.Constant) and retry[0].value.value is True):
            missing.append(f"{filename}:{node.lineno} {node.func.attr}")
    assert missing == [], "AWS calls without aws_retry=True (paginate with paginated_query_with_retries)"


def test_every_waiter_of_our_modules_waits_through_throttling():
    bare = []
    for path in sorted((PLUGINS / "modules").glob("*.py")):
        tree = ast.parse(path.read_text())
        wrapped = {id(arg) for node in ast.walk(tree) if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "wait_through_throttling"
                   for arg in node.args[:1]}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get_waiter" and id(node) not in wrapped:
                bare.append(f"{path.name}:{node.lineno}")
    assert bare == [], "waiters used without wait_through_throttling"


def is_module(node):
    """``module`` or ``self.module``: the AnsibleAWSModule whose ``client()`` builds boto3 clients."""
    return getattr(node, "id", None) == "module" or getattr(node, "attr", None) == "module"


def test_every_client_of_our_modules_retries_with_our_jittered_backoff():
    plain = []
    for path in sorted((PLUGINS / "modules").glob("*.py")) + sorted((PLUGINS / "module_utils").glob("*.py")):
        text = path.read_text()
        if "AWSRetry.jittered_backoff(" in text and path.name != "throttling.py":
            plain.append(path.name)
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "client" and is_module(node.func.value):
                if not any(k.arg == "retry_decorator" for k in node.keywords):
                    plain.append(f"{path.name}:{node.lineno}")
    assert plain == []
