"""nestjs_playground.infra.ecs_service against the local AWS endpoint, in the amazon.aws pattern:
create / modify / delete, each in check mode, for real, and again; the real state read after each.

Plus what the module exists for: a rerun with a full task-definition ARN is no change; a desired count
that autoscaling changed is left alone (unless force_desired_count); a new revision rolls out once.
"""

import json

import pytest

pytestmark = pytest.mark.integration

MODULE = "nestjs_playground.infra.ecs_service"
CLUSTER = "module-test"
NAME = "api"
UNSTABLE = "unstable"
FAMILY = "api"
EXECUTION_ROLE_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def register_revision(ecs, role_arn, image):
    return ecs.register_task_definition(
        family=FAMILY, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        executionRoleArn=role_arn,
        containerDefinitions=[{"name": "api", "image": image, "portMappings": [{"containerPort": 3000}]}],
    )["taskDefinition"]["taskDefinitionArn"]


@pytest.fixture(scope="module")
def world(ansible):
    """The prerequisites, made with boto3: VPC, two subnets, a security group, a target group, the task
    execution role, the cluster and revision 1 of the task definition."""
    ec2, ecs, iam, elbv2 = (ansible.client(name) for name in ("ec2", "ecs", "iam", "elbv2"))
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i}.0/24")["Subnet"]["SubnetId"] for i in (1, 2)]
    group = ec2.create_security_group(GroupName="api-tasks", Description="api tasks", VpcId=vpc)["GroupId"]
    target_group = elbv2.create_target_group(Name="api", Protocol="HTTP", Port=3000, VpcId=vpc, TargetType="ip")
    role = iam.create_role(RoleName="api-task-execution", AssumeRolePolicyDocument=json.dumps(EXECUTION_ROLE_TRUST))
    iam.attach_role_policy(RoleName="api-task-execution",
                           PolicyArn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
    ecs.create_cluster(clusterName=CLUSTER)
    world = {
        "subnets": subnets,
        "group": group,
        "target_group": target_group["TargetGroups"][0]["TargetGroupArn"],
        "role": role["Role"]["Arn"],
    }
    world["rev1"] = register_revision(ecs, world["role"], "api:1")
    return world


def create_args(world):
    return {
        "cluster": CLUSTER,
        "name": NAME,
        "task_definition": world["rev1"],  # the full ARN, as ecs_taskdefinition returns it
        "desired_count": 1,
        "network_configuration": {"subnets": [world["subnets"][0]], "security_groups": [world["group"]]},
        "load_balancers": [{"target_group_arn": world["target_group"], "container_name": "api", "container_port": 3000}],
        "deployment_configuration": {"minimum_healthy_percent": 100, "maximum_percent": 200,
                                     "circuit_breaker": {"enable": True, "rollback": True}},
        "health_check_grace_period_seconds": 60,
        "enable_execute_command": True,
        "propagate_tags": "SERVICE",
        "tags": {"App": "a", "Env": "dev", "Owner": "o"},
    }


def modify_args(world):
    return dict(
        create_args(world),
        task_definition=FAMILY,  # the family: its latest ACTIVE revision, registered just before
        desired_count=5,  # ignored: the service exists, autoscaling owns the count
        network_configuration={"subnets": list(reversed(world["subnets"])), "security_groups": [world["group"]],
                               "assign_public_ip": True},
        deployment_configuration={"minimum_healthy_percent": 50, "maximum_percent": 150,
                                  "circuit_breaker": {"enable": False, "rollback": False}},
        health_check_grace_period_seconds=120,
        enable_execute_command=False,
        propagate_tags="TASK_DEFINITION",
        tags={"App": "a", "Env": "qa"},
    )


DELETE = {"cluster": CLUSTER, "name": NAME, "state": "absent", "wait": True}


def observe(ecs, name=NAME):
    """What the emulator holds for the service (None when it never existed)."""
    response = ecs.describe_services(cluster=CLUSTER, services=[name], include=["TAGS"])
    if not response["services"]:
        return None
    (service,) = response["services"]
    return {
        "status": service["status"],
        "task_definition": service["taskDefinition"],
        "desired_count": service["desiredCount"],
        "launch_type": service.get("launchType"),
        "network": service.get("networkConfiguration", {}).get("awsvpcConfiguration"),
        "load_balancers": service.get("loadBalancers"),
        "deployment_configuration": service.get("deploymentConfiguration"),
        "health_check_grace_period_seconds": service.get("healthCheckGracePeriodSeconds"),
        "enable_execute_command": service.get("enableExecuteCommand"),
        "propagate_tags": service.get("propagateTags"),
        "tags": {t["key"]: t["value"] for t in service.get("tags", [])},
    }


@pytest.fixture(scope="module")
def steps(ansible, world):
    ecs = ansible.client("ecs")
    out = {}
    create, modify = create_args(world), modify_args(world)

    def step(name, args, check=False, service=NAME):
        out[name] = (ansible.module(MODULE, args, check=check, diff=True), observe(ecs, service))

    # A fresh account in check mode: neither the cluster nor the revision exist, their tasks were simulated.
    unregistered = world["rev1"].replace(":1", ":99")
    step("fresh_account_check", dict(create, cluster="no-such-cluster", task_definition=unregistered), check=True)
    step("create_check", create, check=True)
    step("create", create)
    step("create_again", create)
    # What real AWS returns for a new service, and moto 5.2.5 only after an UpdateService: the fields
    # the module set at creation. Reading them back as they were set is still no change.
    ecs.update_service(cluster=CLUSTER, service=NAME, healthCheckGracePeriodSeconds=60, enableExecuteCommand=True,
                       deploymentConfiguration={"minimumHealthyPercent": 100, "maximumPercent": 200,
                                                "deploymentCircuitBreaker": {"enable": True, "rollback": True}})
    step("create_again_with_every_field_returned", create)
    ecs.update_service(cluster=CLUSTER, service=NAME, desiredCount=3)  # as Application Auto Scaling would
    step("rerun_after_autoscaling", create)
    step("force_count_check", dict(create, force_desired_count=True), check=True)
    step("force_count", dict(create, force_desired_count=True, wait=True))
    step("force_count_again", dict(create, force_desired_count=True))
    out["rev2"] = register_revision(ecs, world["role"], "api:2")
    step("modify_check", modify, check=True)
    step("modify", modify)
    step("modify_again", modify)
    step("modify_again_by_arn", dict(modify, task_definition=out["rev2"]))
    step("modify_again_by_revision", dict(modify, task_definition=f"{FAMILY}:2"))
    step("change_launch_type", dict(modify, launch_type="EC2"))
    # A service whose tasks never become stable (moto starts none): wait must give up and say so.
    ecs.create_service(cluster=CLUSTER, serviceName=UNSTABLE, taskDefinition=out["rev2"], desiredCount=2,
                       launchType="FARGATE",
                       networkConfiguration={"awsvpcConfiguration": {"subnets": [world["subnets"][0]],
                                                                     "securityGroups": [world["group"]]}})
    step("wait_times_out", {"cluster": CLUSTER, "name": UNSTABLE, "tags": {"Env": "qa"}, "wait": True, "wait_timeout": 1},
         service=UNSTABLE)
    step("delete_check", DELETE, check=True)
    step("delete", DELETE)
    step("delete_again", DELETE)
    return out


def test_check_mode_on_a_fresh_account_reports_a_create_and_does_not_fail(steps, ansible):
    result, _ = steps["fresh_account_check"]
    assert result.get("failed") is not True, result
    assert result["changed"] is True
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["task_definition"].endswith(":99")
    assert any(":99 does not exist" in warning for warning in result.get("warnings", [])), result
    assert ansible.client("ecs").describe_clusters(clusters=["no-such-cluster"])["clusters"] == []


def test_create_in_check_mode_reports_the_owned_fields_and_creates_nothing(steps, world):
    result, state = steps["create_check"]
    assert result["changed"] is True
    assert state is None
    assert result["diff"]["before"] == {}
    after = result["diff"]["after"]
    assert after["task_definition"] == world["rev1"]
    assert after["desired_count"] == 1
    assert after["network_configuration"] == {"subnets": [world["subnets"][0]], "security_groups": [world["group"]],
                                              "assign_public_ip": False}
    assert after["load_balancers"] == [{"target_group_arn": world["target_group"], "container_name": "api",
                                        "container_port": 3000}]
    assert after["deployment_configuration"]["circuit_breaker"] == {"enable": True, "rollback": True}


def test_create_makes_the_service_as_asked(steps, world):
    result, state = steps["create"]
    assert result["changed"] is True
    assert state["status"] == "ACTIVE"
    assert state["task_definition"] == world["rev1"]
    assert state["desired_count"] == 1
    assert state["launch_type"] == "FARGATE"
    assert state["network"] == {"subnets": [world["subnets"][0]], "securityGroups": [world["group"]],
                                "assignPublicIp": "DISABLED"}
    assert state["load_balancers"] == [{"targetGroupArn": world["target_group"], "containerName": "api",
                                        "containerPort": 3000}]
    assert state["propagate_tags"] == "SERVICE"
    assert state["tags"] == {"App": "a", "Env": "dev", "Owner": "o"}
    service = result["service"]
    assert service["service_arn"].endswith(f"service/{CLUSTER}/{NAME}")
    assert service["task_definition"] == world["rev1"] and service["desired_count"] == 1
    assert service["deployments"][0]["task_definition"] == world["rev1"]


def test_moto_drops_the_deployment_fields_set_at_creation(steps):
    """Recorded for docs/emulator-gaps.md: real AWS returns these for a new service."""
    state = steps["create"][1]
    assert state["deployment_configuration"] is None
    assert state["health_check_grace_period_seconds"] is None
    assert state["enable_execute_command"] is None


def test_a_rerun_with_the_full_task_definition_arn_is_no_change(steps):
    result, state = steps["create_again"]
    assert result["changed"] is False, result["diff"]
    assert state == steps["create"][1]


def test_a_rerun_is_no_change_when_aws_returns_every_field_as_set(steps):
    result, state = steps["create_again_with_every_field_returned"]
    assert state["deployment_configuration"]["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert state["health_check_grace_period_seconds"] == 60 and state["enable_execute_command"] is True
    assert result["changed"] is False, result["diff"]


def test_a_rerun_leaves_the_count_autoscaling_chose(steps):
    result, state = steps["rerun_after_autoscaling"]
    assert result["changed"] is False, result["diff"]
    assert state["desired_count"] == 3
    assert "desired_count" not in result["diff"]["after"]
    assert result["service"]["desired_count"] == 3


def test_force_desired_count_in_check_mode_reports_the_count_and_changes_nothing(steps):
    result, state = steps["force_count_check"]
    assert result["changed"] is True
    assert result["diff"]["before"]["desired_count"] == 3 and result["diff"]["after"]["desired_count"] == 1
    assert state["desired_count"] == 3


def test_force_desired_count_sets_the_count_and_waits_for_a_stable_service(steps):
    result, state = steps["force_count"]
    assert result.get("failed") is not True, result
    assert result["changed"] is True
    assert state["desired_count"] == 1
    assert result["service"]["running_count"] == 1


def test_force_desired_count_again_changes_nothing(steps):
    result, state = steps["force_count_again"]
    assert result["changed"] is False, result["diff"]
    assert state["desired_count"] == 1


def test_modify_in_check_mode_reports_the_new_revision_and_modifies_nothing(steps):
    result, state = steps["modify_check"]
    assert result["changed"] is True
    assert state == steps["force_count"][1]
    diff = result["diff"]
    assert diff["before"]["task_definition"].endswith(f"/{FAMILY}:1")
    assert diff["after"]["task_definition"] == steps["rev2"]
    assert diff["after"]["network_configuration"]["assign_public_ip"] is True
    assert diff["after"]["deployment_configuration"]["maximum_percent"] == 150
    assert diff["after"]["tags"] == {"App": "a", "Env": "qa"}
    assert "desired_count" not in diff["after"]


def test_modify_rolls_out_the_new_revision_and_updates_what_differs(steps, world):
    result, state = steps["modify"]
    assert result["changed"] is True
    assert state["task_definition"] == steps["rev2"]
    assert sorted(state["network"]["subnets"]) == sorted(world["subnets"])
    assert state["network"]["assignPublicIp"] == "ENABLED"
    assert state["deployment_configuration"] == {"minimumHealthyPercent": 50, "maximumPercent": 150,
                                                 "deploymentCircuitBreaker": {"enable": False, "rollback": False}}
    assert state["health_check_grace_period_seconds"] == 120
    assert state["enable_execute_command"] is False
    assert state["propagate_tags"] == "TASK_DEFINITION"
    assert state["tags"] == {"App": "a", "Env": "qa"}
    assert state["desired_count"] == 1  # desired_count 5 was not applied to the existing service


def test_modify_again_changes_nothing(steps):
    result, state = steps["modify_again"]
    assert result["changed"] is False, result["diff"]
    assert state == steps["modify"][1]


@pytest.mark.parametrize("step", ["modify_again_by_arn", "modify_again_by_revision"])
def test_the_same_revision_named_another_way_is_no_change(steps, step):
    result, _ = steps[step]
    assert result["changed"] is False, result["diff"]


def test_a_launch_type_change_fails_naming_the_field_and_changes_nothing(steps):
    result, state = steps["change_launch_type"]
    assert result.get("failed") is True
    assert "launch_type" in result["msg"] and "must be recreated" in result["msg"]
    assert state == steps["modify"][1]


def test_wait_gives_up_after_wait_timeout_on_a_service_that_never_stabilises(steps):
    result, state = steps["wait_times_out"]
    assert result.get("failed") is True
    assert "did not become stable within 1 s" in result["msg"]
    assert state["tags"] == {"Env": "qa"}  # the change itself was made before waiting


def test_delete_in_check_mode_reports_a_change_and_deletes_nothing(steps):
    result, state = steps["delete_check"]
    assert result["changed"] is True
    assert result["diff"]["after"] == {}
    assert result["diff"]["before"]["task_definition"] == steps["rev2"]
    assert state == steps["modify"][1]


def test_delete_scales_to_zero_and_deletes_the_service(steps):
    result, state = steps["delete"]
    assert result["changed"] is True
    assert state["status"] == "INACTIVE"
    assert state["desired_count"] == 0


def test_delete_again_changes_nothing(steps):
    result, state = steps["delete_again"]
    assert result["changed"] is False
    assert state["status"] == "INACTIVE"
