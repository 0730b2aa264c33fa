"""The recording proxy (scripts/aws_proxy.py) in front of a real local AWS endpoint: it forwards unchanged,
names every protocol's calls, refuses a seeded share of them with each service's real throttling answer
(which botocore retries), never touches moto's own API, runs a hook after a given call; and our modules,
run through it at a 50 % refusal rate, still converge."""

import concurrent.futures

import boto3
import botocore.config
import botocore.exceptions
import pytest

from aws_proxy import AwsProxy
from emulator import reset as reset_endpoint

pytestmark = pytest.mark.integration

NO_RETRY = botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"})


def client(url, service, config=None):
    return boto3.client(service, endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing", config=config)


@pytest.fixture
def proxy(emulator, recorded):
    """The module's proxy, without faults or hooks, and the emulator forgotten, before each test."""
    recorded.set_fault_rate(0)
    recorded.clear_hooks()
    emulator.reset()
    return recorded


def test_a_call_through_the_proxy_gets_exactly_the_endpoints_answer(proxy, emulator):
    client(proxy.url, "ec2").create_vpc(CidrBlock="10.9.0.0/16")
    through = client(proxy.url, "ec2").describe_vpcs()["Vpcs"]
    direct = client(emulator.url, "ec2").describe_vpcs()["Vpcs"]
    assert through == direct
    assert "10.9.0.0/16" in [vpc["CidrBlock"] for vpc in direct]


def test_every_protocol_is_recorded_as_service_action_and_whether_it_mutates(proxy):
    mark = proxy.mark()
    client(proxy.url, "ec2").create_security_group(GroupName="g", Description="d")   # EC2 query
    client(proxy.url, "rds").describe_db_clusters()                                 # query
    client(proxy.url, "iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")
    client(proxy.url, "ecs").create_cluster(clusterName="c")                        # JSON 1.1
    client(proxy.url, "logs").describe_log_groups()
    client(proxy.url, "secretsmanager").create_secret(Name="s", SecretString="x")
    zone = client(proxy.url, "route53").create_hosted_zone(Name="example.com", CallerReference="1")["HostedZone"]["Id"]
    client(proxy.url, "route53").change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{
        "Action": "UPSERT", "ResourceRecordSet": {"Name": "a.example.com", "Type": "A", "TTL": 60,
                                                  "ResourceRecords": [{"Value": "192.0.2.1"}]}}]})   # REST XML
    client(proxy.url, "route53").list_resource_record_sets(HostedZoneId=zone)
    client(proxy.url, "cloudwatch").describe_alarms()
    client(proxy.url, "sts").get_caller_identity()
    assert [(c.service, c.action, c.mutating) for c in proxy.calls(mark)] == [
        ("ec2", "CreateSecurityGroup", True),
        ("rds", "DescribeDBClusters", False),
        ("iam", "CreateRole", True),
        ("ecs", "CreateCluster", True),
        ("logs", "DescribeLogGroups", False),
        ("secretsmanager", "CreateSecret", True),
        ("route53", "CreateHostedZone", True),
        ("route53", "ChangeResourceRecordSets", True),
        ("route53", "ListResourceRecordSets", False),
        ("monitoring", "DescribeAlarms", False),
        ("sts", "GetCallerIdentity", False),
    ]
    assert [c.action for c in proxy.mutating_calls(mark)] == [
        "CreateSecurityGroup", "CreateRole", "CreateCluster", "CreateSecret", "CreateHostedZone", "ChangeResourceRecordSets"]
    assert all(c.status in (200, 201) and not c.faulted for c in proxy.calls(mark))


@pytest.mark.parametrize(("service", "call", "code", "status"), [
    ("ec2", lambda c: c.describe_vpcs(), "RequestLimitExceeded", 503),
    ("rds", lambda c: c.describe_db_clusters(), "Throttling", 400),
    ("elbv2", lambda c: c.describe_load_balancers(), "Throttling", 400),
    ("iam", lambda c: c.list_roles(), "Throttling", 400),
    ("ecs", lambda c: c.list_clusters(), "ThrottlingException", 400),
    ("secretsmanager", lambda c: c.list_secrets(), "ThrottlingException", 400),
    ("application-autoscaling", lambda c: c.describe_scalable_targets(ServiceNamespace="ecs"), "ThrottlingException", 400),
    ("route53", lambda c: c.list_hosted_zones(), "Throttling", 400),
    ("cloudwatch", lambda c: c.describe_alarms(), "Throttling", 400),
    ("s3", lambda c: c.list_buckets(), "SlowDown", 503),
])
def test_a_refused_call_gets_the_throttling_answer_of_its_service(proxy, service, call, code, status):
    proxy.set_fault_rate(1.0)
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        call(client(proxy.url, service, NO_RETRY))
    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert proxy.calls()[-1].faulted


def test_a_refused_call_never_reaches_the_endpoint(proxy, emulator):
    proxy.set_fault_rate(1.0)
    with pytest.raises(botocore.exceptions.ClientError):
        client(proxy.url, "ecs", NO_RETRY).create_cluster(clusterName="never")
    assert client(emulator.url, "ecs").list_clusters()["clusterArns"] == []
    assert proxy.calls()[-1].mutating   # the attempt to write is recorded all the same


def test_botocore_retries_a_refused_call_until_one_goes_through(proxy):
    proxy.set_fault_rate(0.5, seed=3)
    mark = proxy.mark()
    ecs = client(proxy.url, "ecs", botocore.config.Config(retries={"total_max_attempts": 20, "mode": "standard"}))
    for i in range(6):
        ecs.create_cluster(clusterName=f"c{i}")
    calls = proxy.calls(mark)
    assert sum(c.faulted for c in calls) > 0
    assert [c.action for c in calls if not c.faulted] == ["CreateCluster"] * 6
    assert len(ecs.list_clusters()["clusterArns"]) == 6


def test_the_same_seed_refuses_the_same_calls(proxy):
    patterns = []
    for _ in range(2):
        proxy.set_fault_rate(0.3, seed=11)
        mark = proxy.mark()
        sts = client(proxy.url, "sts", NO_RETRY)
        for _ in range(20):
            try:
                sts.get_caller_identity()
            except botocore.exceptions.ClientError:
                pass
        patterns.append([c.faulted for c in proxy.calls(mark)])
    assert patterns[0] == patterns[1]
    assert 0 < sum(patterns[0]) < 20


def test_mocks_own_api_is_neither_recorded_nor_refused(proxy, emulator):
    client(emulator.url, "ecs").create_cluster(clusterName="gone-after-reset")
    proxy.set_fault_rate(1.0)
    mark = proxy.mark()
    reset_endpoint(proxy.url)      # POST /moto-api/reset through the proxy
    assert proxy.calls(mark) == []
    assert client(emulator.url, "ecs").list_clusters()["clusterArns"] == []


def test_a_hook_runs_after_its_call_reached_the_endpoint_and_its_caller_gets_no_answer(proxy, emulator):
    seen = []
    proxy.after_call("CreateCluster", lambda call, body: seen.append(
        (call.action, b"first" in body, len(client(emulator.url, "ecs").list_clusters()["clusterArns"]))))
    ecs = client(proxy.url, "ecs", NO_RETRY)
    with pytest.raises(botocore.exceptions.ConnectionClosedError):
        ecs.create_cluster(clusterName="first")
    ecs.create_cluster(clusterName="second")   # the hook ran once
    assert seen == [("CreateCluster", True, 1)]
    assert len(client(emulator.url, "ecs").list_clusters()["clusterArns"]) == 2


def test_a_hook_may_let_its_call_be_answered(proxy):
    seen = []
    proxy.after_call("CreateCluster", lambda call, body: seen.append(call.status), times=2, answer=True)
    ecs = client(proxy.url, "ecs", NO_RETRY)
    assert [ecs.create_cluster(clusterName=name)["cluster"]["clusterName"] for name in ("a", "b", "c")] == ["a", "b", "c"]
    assert seen == [200, 200]


def test_concurrent_callers_are_all_answered_and_recorded(proxy):
    mark = proxy.mark()

    def work(i):
        ecs = client(proxy.url, "ecs")
        ecs.create_cluster(clusterName=f"parallel-{i}")
        return [ecs.describe_clusters(clusters=[f"parallel-{i}"])["clusters"][0]["clusterName"] for _ in range(5)]

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        names = list(pool.map(work, range(16)))
    assert names == [[f"parallel-{i}"] * 5 for i in range(16)]
    assert len(proxy.calls(mark)) == 16 * 6


def test_the_proxy_can_be_started_twice_on_free_ports(emulator):
    with AwsProxy(emulator.url) as one, AwsProxy(emulator.url) as two:
        assert one.port != two.port
        assert client(one.url, "sts").get_caller_identity()["Account"] == client(two.url, "sts").get_caller_identity()["Account"]


# Our modules under heavy throttling ------------------------------------------------------------------------

MODULE_RUNS = [
    ("nestjs_playground.infra.ecs_cluster", {"name": "throttled", "container_insights": "enabled", "tags": {"App": "x"}}),
    ("nestjs_playground.infra.ecr_repository", {"name": "throttled", "scan_on_push": True, "tags": {"App": "x"}}),
    ("nestjs_playground.infra.db_credentials_secret", {"name": "throttled", "username": "postgres", "tags": {"App": "x"}}),
    ("nestjs_playground.infra.iam_service_role", {"name": "throttled", "service_principal": "ecs-tasks.amazonaws.com",
                                                  "policy_name": "p", "managed_policy_arns": [], "tags": {"App": "x"},
                                                  "policy_document": {"Version": "2012-10-17", "Statement": [
                                                      {"Effect": "Allow", "Action": "logs:CreateLogStream", "Resource": "*"}]}}),
]


@pytest.fixture(scope="module")
def throttled_modules(emulator, recorded, ansible_recorded):
    """Each module created then run again through the proxy while it refuses half of the calls."""
    recorded.clear_hooks()
    emulator.reset()
    recorded.set_fault_rate(0.5, seed=4)   # seed 4: the first call is refused 6 times in a row
    mark = recorded.mark()
    runs = {name: (ansible_recorded.module(name, args), ansible_recorded.module(name, args)) for name, args in MODULE_RUNS}
    recorded.set_fault_rate(0)
    return runs, recorded.calls(mark)


def longest_refusal_streaks(calls):
    """{action: the most times in a row it was refused} (a module makes one call at a time)."""
    streaks, run, previous = {}, 0, None
    for call in calls:
        run = run + 1 if call.faulted and call.action == previous else (1 if call.faulted else 0)
        previous = call.action if call.faulted else None
        streaks[call.action] = max(streaks.get(call.action, 0), run)
    return streaks


def test_calls_of_every_service_were_refused_some_more_often_than_botocore_retries(throttled_modules):
    _, calls = throttled_modules
    assert sum(c.faulted for c in calls) / len(calls) > 0.25
    assert {c.service for c in calls if c.faulted} >= {"ecs", "ecr", "secretsmanager", "iam"}
    # botocore makes 3 attempts by default: a longer streak was ridden out by the module's own backoff.
    assert max(longest_refusal_streaks(calls).values()) > 3, longest_refusal_streaks(calls)


@pytest.mark.parametrize("name", [name for name, _ in MODULE_RUNS])
def test_our_modules_ride_out_heavy_throttling_and_stay_idempotent(throttled_modules, name):
    first, again = throttled_modules[0][name]
    assert first.get("failed") is not True, first.get("msg")
    assert first["changed"] is True
    assert again.get("failed") is not True, again.get("msg")
    assert again["changed"] is False
