"""Two converges of the same environment started together (two people, or two AWX jobs, at once).

The dev inventory on a fresh account (landing zone built first): two site.yml runs start at the same
moment against the same endpoint (through the recording proxy, which notes the password the cluster is
created with). Whatever each of them reports, a rerun afterwards succeeds, changes nothing the second
time, and the environment holds exactly one of each resource with the password the cluster was created
with. What a user sees (which run fails where): README, "Running two converges at once".

Then the races our modules settle, made deterministic with the proxy's hooks: a role or a log group
created by another run between a module's look-up and its creation is converged instead of failing the
task, and a task definition registered by two runs at once ends as one ACTIVE revision.
"""

import hashlib
import json
import urllib.parse

import pytest

from conftest import dev_resources
from conftest import landing_zone
from conftest import resource_counts
from conftest import vpc_with_subnets

pytestmark = pytest.mark.integration

SECRET = "nestjs-playground-dev-db-credentials"


def digest(text):
    """Passwords are compared by digest, so a failing assertion never prints one."""
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture(scope="module")
def concurrent(ansible, ansible_recorded, recorded, tmp_path_factory):
    lz = landing_zone(ansible, tmp_path_factory.mktemp("landing-zone"))
    cluster_created_with = []

    def note_password(call, body):
        if call.status == 200:   # the call that created the cluster (another one is refused: it exists)
            cluster_created_with.append(digest(urllib.parse.parse_qs(body.decode())["MasterUserPassword"][0]))

    recorded.after_call("CreateDBCluster", note_password, times=2, answer=True)
    mark = recorded.mark()
    started = [ansible_recorded.spawn("site.yml", extra_vars=[lz]) for _ in range(2)]
    together = [run.wait() for run in started]
    calls = recorded.calls(mark)
    counts_after_both = resource_counts(ansible)
    rerun = ansible_recorded.playbook("site.yml", extra_vars=[lz])
    again = ansible_recorded.playbook("site.yml", extra_vars=[lz])
    secret = json.loads(ansible.client("secretsmanager").get_secret_value(SecretId=SECRET)["SecretString"])
    return {"together": together, "calls": calls, "counts_after_both": counts_after_both, "rerun": rerun,
            "again": again, "counts": resource_counts(ansible), "cluster_created_with": cluster_created_with,
            "secret": dict(secret, password=digest(secret["password"]))}


def failed_tasks(run):
    return [(name, result.get("msg", "")) for name, result in run.results() if result.get("failed")]


def test_each_run_either_converges_or_stops_at_one_failed_task(concurrent):
    for run in concurrent["together"]:
        assert run.rc in (0, 2), run                      # 2: a task failed; nothing crashed or hung
        assert len(failed_tasks(run)) == (0 if run.rc == 0 else 1), failed_tasks(run)


def test_the_two_runs_left_no_duplicate_behind(concurrent):
    counts = concurrent["counts_after_both"]
    assert {kind: {n: c for n, c in items.items() if c > 1} for kind, items in counts.items()
            if any(c > 1 for c in items.values())} == {}


def test_a_rerun_completes_and_the_next_one_changes_nothing(concurrent):
    assert concurrent["rerun"].rc == 0, concurrent["rerun"]
    assert concurrent["again"].rc == 0, concurrent["again"]
    assert concurrent["again"].host_stats()["changed"] == 0, concurrent["again"].changed_tasks()


def test_the_environment_holds_exactly_one_of_each_resource(concurrent):
    assert concurrent["counts"] == dev_resources()


def test_the_secret_holds_the_password_the_cluster_was_created_with(ansible, concurrent):
    assert len(concurrent["cluster_created_with"]) == 1
    secret = concurrent["secret"]
    assert secret["password"] == concurrent["cluster_created_with"][0]
    (cluster,) = ansible.client("rds").describe_db_clusters()["DBClusters"]
    assert (secret["host"], secret["dbClusterIdentifier"]) == (cluster["Endpoint"], cluster["DBClusterIdentifier"])


# The race itself, made deterministic: another "run" creates the resource right after the module looked
# it up and before it creates it (the proxy's hook, after the look-up's call, creates it with boto3).

ROLE = {"name": "race-test-role", "service_principal": "ecs-tasks.amazonaws.com", "policy_name": "p",
        "policy_document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}]},
        "managed_policy_arns": [], "tags": {"App": "race"}}


def test_a_role_created_by_another_run_after_the_look_up_is_converged_not_failed(ansible, ansible_recorded, recorded):
    iam = ansible.client("iam")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]}
    recorded.after_call("GetRole", lambda call, body: iam.create_role(
        RoleName=ROLE["name"], AssumeRolePolicyDocument=json.dumps(trust)), answer=True)
    result = ansible_recorded.module("nestjs_playground.infra.iam_service_role", ROLE)
    recorded.clear_hooks()
    assert result.get("failed") is not True, result.get("msg")
    assert result["changed"] is True
    assert iam.list_role_policies(RoleName=ROLE["name"])["PolicyNames"] == ["p"]
    assert {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=ROLE["name"])["Tags"]} == {"App": "race"}
    assert ansible_recorded.module("nestjs_playground.infra.iam_service_role", ROLE)["changed"] is False


def test_a_log_group_created_by_another_run_after_the_look_up_is_converged_not_failed(ansible, ansible_recorded, recorded):
    logs = ansible.client("logs")
    args = {"name": "/race/test", "retention": 14, "tags": {"App": "race"}}
    recorded.after_call("DescribeLogGroups", lambda call, body: logs.create_log_group(logGroupName="/race/test"), answer=True)
    result = ansible_recorded.module("nestjs_playground.infra.log_group", args)
    recorded.clear_hooks()
    assert result.get("failed") is not True, result.get("msg")
    (group,) = logs.describe_log_groups(logGroupNamePrefix="/race/test")["logGroups"]
    assert group["retentionInDays"] == 14
    assert logs.list_tags_for_resource(resourceArn=group["arn"].rsplit(":*", 1)[0])["tags"] == {"App": "race"}
    assert ansible_recorded.module("nestjs_playground.infra.log_group", args)["changed"] is False


def test_a_security_group_created_by_another_run_after_the_look_up_is_converged_not_failed(ansible, ansible_recorded, recorded):
    ec2 = ansible.client("ec2")
    vpc, _ = vpc_with_subnets(ec2, 62)
    args = {"name": "race-test", "description": "race", "vpc_id": vpc, "tags": {"App": "race"},
            "ingress": [{"ports": [443], "cidr_ipv4": "0.0.0.0/0"}]}
    recorded.after_call("DescribeSecurityGroups", lambda call, body: ec2.create_security_group(
        GroupName="race-test", Description="race", VpcId=vpc), answer=True)
    result = ansible_recorded.module("nestjs_playground.infra.security_group", args)
    recorded.clear_hooks()
    assert result.get("failed") is not True, result.get("msg")
    (group,) = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                                     {"Name": "group-name", "Values": ["race-test"]}])["SecurityGroups"]
    assert result["group_id"] == group["GroupId"]
    assert any("created by another run" in warning for warning in result.get("warnings", [])), result.get("warnings")
    assert [(p["FromPort"], p["IpRanges"][0]["CidrIp"]) for p in group["IpPermissions"]] == [(443, "0.0.0.0/0")]
    assert {t["Key"]: t["Value"] for t in group["Tags"]} == {"App": "race"}
    assert ansible_recorded.module("nestjs_playground.infra.security_group", args)["changed"] is False


TASKDEF = {"family": "race-test", "cpu": "256", "memory": "512",
           "container_definitions": [{"name": "app", "image": "nginx:1", "essential": True}]}


def active_revisions(ecs, family):
    return [int(arn.rsplit(":", 1)[1]) for arn in ecs.list_task_definitions(familyPrefix=family, status="ACTIVE")["taskDefinitionArns"]]


def test_a_definition_registered_twice_at_once_ends_as_one_revision_when_this_run_was_first(ansible, ansible_recorded, recorded):
    ecs = ansible.client("ecs")
    family = "race-test-first"
    # The other run registers the very same request right after this one did.
    recorded.after_call("RegisterTaskDefinition", lambda call, body: ecs.register_task_definition(**json.loads(body)), answer=True)
    result = ansible_recorded.module("nestjs_playground.infra.ecs_task_definition", dict(TASKDEF, family=family))
    recorded.clear_hooks()
    assert result.get("failed") is not True, result.get("msg")
    assert active_revisions(ecs, family) == [1]
    assert result["task_definition"]["revision"] == 1


def test_a_definition_registered_twice_at_once_ends_as_one_revision_when_this_run_was_second(ansible, ansible_recorded, recorded):
    ecs = ansible.client("ecs")
    family = "race-test-second"
    first = ansible_recorded.module("nestjs_playground.infra.ecs_task_definition", dict(TASKDEF, family=family))
    definition = ecs.describe_task_definition(taskDefinition=first["task_definition"]["task_definition_arn"])["taskDefinition"]
    ecs.deregister_task_definition(taskDefinition=definition["taskDefinitionArn"])   # start with no ACTIVE revision
    twin = {key: definition[key] for key in ("family", "containerDefinitions", "cpu", "memory", "networkMode", "requiresCompatibilities")}
    # The other run registers the same definition after this one looked (its last look-up call) and before it registers.
    recorded.after_call("ListTaskDefinitions", lambda call, body: ecs.register_task_definition(**twin), answer=True)
    result = ansible_recorded.module("nestjs_playground.infra.ecs_task_definition", dict(TASKDEF, family=family))
    recorded.clear_hooks()
    assert result.get("failed") is not True, result.get("msg")
    assert active_revisions(ecs, family) == [2]        # the other run's; this run's revision 3 is deregistered
    assert result["task_definition"]["revision"] == 2   # what the service will then run
