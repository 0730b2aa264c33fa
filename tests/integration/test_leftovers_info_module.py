"""nestjs_playground.infra.leftovers_info against the local AWS endpoint: of each kind (ECS service, task
definition family, IAM role, security group, log group, flow log), what exists reads as left and what is
gone, was never there, or only looks alike (an INACTIVE service, a family whose revisions are all
INACTIVE, a name that is a prefix of an existing one, a group of another VPC, a flow log into another log
group) does not; check mode reads the same; only the kinds given are read, one request per kind where the
API takes a list; nothing is ever written. Resources made with boto3; the module runs through the
recording proxy. DRAINING (moto deletes a service at once): tests/unit/plugins/modules/test_leftovers_info.py."""

import pytest

pytestmark = pytest.mark.integration

MODULE = "nestjs_playground.infra.leftovers_info"
CLUSTER = "leftovers"
CONTAINERS = [{"name": "app", "image": "public.ecr.aws/docker/library/busybox:latest", "memory": 64}]
TRUST = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'


@pytest.fixture(scope="module")
def world(ansible):
    """Of each kind, one that exists and its look-alikes that do not; returns the VPC ids."""
    ecs, ec2, iam, logs = ansible.client("ecs"), ansible.client("ec2"), ansible.client("iam"), ansible.client("logs")
    ecs.create_cluster(clusterName=CLUSTER)
    active = ecs.register_task_definition(family="lo-app", containerDefinitions=CONTAINERS)["taskDefinition"]["taskDefinitionArn"]
    for _ in range(2):   # two revisions, both deregistered
        gone = ecs.register_task_definition(family="lo-gone", containerDefinitions=CONTAINERS)["taskDefinition"]["taskDefinitionArn"]
        ecs.deregister_task_definition(taskDefinition=gone)
    ecs.create_service(cluster=CLUSTER, serviceName="lo-active", taskDefinition=active, desiredCount=0)
    ecs.create_service(cluster=CLUSTER, serviceName="lo-deleted", taskDefinition=active, desiredCount=0)
    ecs.delete_service(cluster=CLUSTER, service="lo-deleted", force=True)
    iam.create_role(RoleName="lo-role", AssumeRolePolicyDocument=TRUST)
    vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
    other_vpc = ec2.create_vpc(CidrBlock="10.78.0.0/16")["Vpc"]["VpcId"]
    ec2.create_security_group(GroupName="lo-sg", Description="left over", VpcId=vpc)
    ec2.create_security_group(GroupName="lo-sg-elsewhere", Description="another VPC's", VpcId=other_vpc)
    logs.create_log_group(logGroupName="/lo/scheduler")
    logs.create_log_group(logGroupName="/lo/flow-logs")
    ec2.create_flow_logs(ResourceIds=[vpc], ResourceType="VPC", TrafficType="ALL", LogDestinationType="cloud-watch-logs",
                         LogGroupName="/lo/flow-logs", DeliverLogsPermissionArn="arn:aws:iam::123456789012:role/lo-role")
    # Sanity of the setup: the deleted service reads INACTIVE, the gone family has no ACTIVE revision.
    assert ecs.describe_services(cluster=CLUSTER, services=["lo-deleted"])["services"][0]["status"] == "INACTIVE"
    assert ecs.list_task_definitions(familyPrefix="lo-gone", status="ACTIVE")["taskDefinitionArns"] == []
    return {"vpc": vpc, "other_vpc": other_vpc}


def every_kind(world):
    """One request with every kind, mixing what exists with its look-alikes."""
    return {
        "ecs_services": [{"cluster": CLUSTER, "name": "lo-active"}, {"cluster": CLUSTER, "name": "lo-deleted"},
                         {"cluster": CLUSTER, "name": "lo-never"}, {"cluster": "no-such-cluster", "name": "lo-active"}],
        "task_definition_families": ["lo-app", "lo-gone", "lo-never"],
        "iam_roles": ["lo-role", "lo-role-never"],
        "security_groups": {"vpc_id": world["vpc"], "names": ["lo-sg", "lo-sg-elsewhere", "lo-sg-never"]},
        "log_groups": ["/lo/scheduler", "/lo/sched", "/lo/never"],
        "flow_logs": [{"resource_id": world["vpc"], "log_group_name": "/lo/flow-logs"},
                      {"resource_id": world["vpc"], "log_group_name": "/lo/scheduler"},
                      {"resource_id": world["other_vpc"], "log_group_name": "/lo/flow-logs"}],
    }


def only_lookalikes(world):
    """One request with every kind, none of which exists."""
    request = every_kind(world)
    return {
        "ecs_services": request["ecs_services"][1:],
        "task_definition_families": request["task_definition_families"][1:],
        "iam_roles": request["iam_roles"][1:],
        "security_groups": {"vpc_id": world["vpc"], "names": ["lo-sg-elsewhere", "lo-sg-never"]},
        "log_groups": request["log_groups"][1:],
        "flow_logs": request["flow_logs"][1:],
    }


@pytest.fixture(scope="module")
def runs(ansible_recorded, recorded, world):
    out = {}
    for name, args, check in (
        ("every_kind", every_kind(world), False),
        ("every_kind_check", every_kind(world), True),
        ("only_lookalikes", only_lookalikes(world), False),
        ("roles_alone", {"iam_roles": ["lo-role"]}, False),
    ):
        mark = recorded.mark()
        result = ansible_recorded.module(MODULE, args, check=check)
        assert result.get("failed") is not True, (name, result)
        out[name] = (result, recorded.counts(mark), recorded.mutating_calls(mark))
    return out


def test_what_exists_of_each_kind_is_left_and_its_lookalikes_are_not(runs, world):
    result, _, _ = runs["every_kind"]
    assert result["found"] is True
    assert result["existing"] == {
        "ecs_services": [{"cluster": CLUSTER, "name": "lo-active"}],      # not INACTIVE, not missing, not in a missing cluster
        "task_definition_families": ["lo-app"],                          # not a family whose revisions are all INACTIVE
        "iam_roles": ["lo-role"],
        "security_groups": {"vpc_id": world["vpc"], "names": ["lo-sg"]},  # not a group of another VPC
        "log_groups": ["/lo/scheduler"],                                  # not /lo/sched, a prefix of it
        "flow_logs": [{"resource_id": world["vpc"], "log_group_name": "/lo/flow-logs"}],   # that VPC into that group only
    }
    assert result["changed"] is False


def test_check_mode_reads_the_same_and_reports_no_change(runs):
    check, real = runs["every_kind_check"][0], runs["every_kind"][0]
    assert (check["changed"], check["found"], check["existing"]) == (False, real["found"], real["existing"])


def test_nothing_is_found_when_only_lookalikes_exist(runs, world):
    result, _, _ = runs["only_lookalikes"]
    assert result["found"] is False
    assert result["existing"] == {"ecs_services": [], "task_definition_families": [], "iam_roles": [],
                                  "security_groups": {"vpc_id": world["vpc"], "names": []}, "log_groups": [], "flow_logs": []}


@pytest.mark.parametrize("name", ["every_kind", "every_kind_check", "only_lookalikes", "roles_alone"])
def test_it_never_writes(runs, name):
    assert runs[name][2] == []


def test_each_kind_is_read_once_where_the_api_takes_a_list_and_once_per_name_elsewhere(runs):
    _, counts, _ = runs["every_kind"]
    assert counts == {
        ("ecs", "DescribeServices"): 2,             # one per cluster: three services of one, one of the missing one
        ("ecs", "ListTaskDefinitions"): 3,          # one per family
        ("iam", "GetRole"): 2,                      # one per role
        ("ec2", "DescribeSecurityGroups"): 1,       # three names, one call
        ("logs", "DescribeLogGroups"): 3,           # one per name
        ("ec2", "DescribeFlowLogs"): 1,             # two VPCs, one call
    }


def test_only_the_kinds_given_are_read_and_returned(runs):
    result, counts, _ = runs["roles_alone"]
    assert (result["found"], result["existing"]) == (True, {"iam_roles": ["lo-role"]})
    assert counts == {("iam", "GetRole"): 1}
