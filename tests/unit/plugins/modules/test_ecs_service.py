import copy
import datetime

import pytest

from ansible_collections.nestjs_playground.infra.plugins.modules.ecs_service import (
    Service,
    create_arguments,
    creation_problems,
    current_state,
    desired_state,
    normalise_deployment_configuration,
    normalise_load_balancers,
    normalise_network,
    plan,
    primary_deployment_id,
    primary_task_definition,
    rollback_message,
    rollout_outcome,
    same_task_definition,
    service_result,
    stop_reason,
    stopped_reasons,
    unstable_explanation,
    update_arguments,
    waiter_config,
)
from ansible_collections.nestjs_playground.infra.tests.unit.plugins.module_utils.test_resource import Failed
from ansible_collections.nestjs_playground.infra.tests.unit.plugins.module_utils.test_resource import FakeModule

PREFIX = "arn:aws:ecs:us-east-1:123456789012:task-definition/"
REV1, REV2 = PREFIX + "api:1", PREFIX + "api:2"
TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/0123456789abcdef"
TAGS = {"App": "nestjs-playground", "Env": "dev"}
DEPLOYMENT = {"minimumHealthyPercent": 100, "maximumPercent": 200,
              "deploymentCircuitBreaker": {"enable": True, "rollback": True},
              "alarms": {"alarmNames": [], "enable": False, "rollback": False}}


def raw_service(**overrides):
    """A described service, shaped like DescribeServices(include=[TAGS]) on real AWS."""
    service = {
        "serviceArn": "arn:aws:ecs:us-east-1:123456789012:service/dev/api",
        "serviceName": "api",
        "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/dev",
        "status": "ACTIVE",
        "desiredCount": 1,
        "runningCount": 1,
        "pendingCount": 0,
        "launchType": "FARGATE",
        "platformVersion": "LATEST",
        "taskDefinition": REV1,
        "schedulingStrategy": "REPLICA",
        "deploymentController": {"type": "ECS"},
        "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-b", "subnet-a"],
                                                         "securityGroups": ["sg-1"], "assignPublicIp": "DISABLED"}},
        "loadBalancers": [{"targetGroupArn": TG, "containerName": "api", "containerPort": 3000}],
        "deploymentConfiguration": copy.deepcopy(DEPLOYMENT),
        "healthCheckGracePeriodSeconds": 60,
        "enableExecuteCommand": False,
        "enableECSManagedTags": False,
        "propagateTags": "SERVICE",
        "tags": [{"key": k, "value": v} for k, v in TAGS.items()],
        "deployments": [{"id": "ecs-svc/1", "status": "PRIMARY", "taskDefinition": REV1, "desiredCount": 1,
                         "runningCount": 1, "pendingCount": 0, "rolloutState": "COMPLETED",
                         "createdAt": datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc),
                         "updatedAt": datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc)}],
    }
    service.update(overrides)
    return service


def params(**overrides):
    """Module parameters as Ansible hands them over (suboption defaults filled in)."""
    base = {
        "desired_count": 1,
        "launch_type": "FARGATE",
        "platform_version": None,
        "network_configuration": {"subnets": ["subnet-a", "subnet-b"], "security_groups": ["sg-1"], "assign_public_ip": False},
        "load_balancers": [{"target_group_arn": TG, "container_name": "api", "container_port": 3000}],
        "deployment_configuration": {"minimum_healthy_percent": 100, "maximum_percent": 200,
                                     "circuit_breaker": {"enable": True, "rollback": True}},
        "health_check_grace_period_seconds": 60,
        "enable_execute_command": False,
        "propagate_tags": "SERVICE",
        "enable_ecs_managed_tags": None,
    }
    base.update(overrides)
    return base


def decide(raw=None, arn=REV1, tags=None, purge=True, force=False, **overrides):
    current = None if raw is None else current_state(raw)
    return plan(desired_state(params(**overrides), arn), current, TAGS if tags is None else tags, purge, force)


# normalising ------------------------------------------------------------------------------------

@pytest.mark.parametrize("vpc, expected", [
    ({"subnets": ["b", "a"], "securityGroups": ["sg-2", "sg-1"], "assignPublicIp": "ENABLED"},
     {"subnets": ["a", "b"], "security_groups": ["sg-1", "sg-2"], "assign_public_ip": True}),
    ({"subnets": ["a"], "securityGroups": ["sg-1"]},  # moto leaves out assignPublicIp; AWS says DISABLED
     {"subnets": ["a"], "security_groups": ["sg-1"], "assign_public_ip": False}),
    ({"subnets": ["a"]}, {"subnets": ["a"], "security_groups": [], "assign_public_ip": False}),
], ids=["enabled-and-sorted", "assign-public-ip-not-returned", "no-groups"])
def test_normalise_network(vpc, expected):
    assert normalise_network({"awsvpcConfiguration": vpc}) == expected


@pytest.mark.parametrize("network", [None, {}], ids=["none", "no-awsvpc"])
def test_normalise_network_without_awsvpc_is_none(network):
    assert normalise_network(network) is None


def test_normalise_load_balancers_sorts_and_keeps_classic_names():
    lbs = [{"targetGroupArn": "tg-b", "containerName": "api", "containerPort": 3000},
           {"targetGroupArn": "tg-a", "containerName": "api", "containerPort": 3000},
           {"loadBalancerName": "classic", "containerName": "api", "containerPort": 80}]
    result = normalise_load_balancers(lbs)
    assert [lb["target_group_arn"] for lb in result] == [None, "tg-a", "tg-b"]
    assert result[0]["load_balancer_name"] == "classic"
    assert result[1] == {"target_group_arn": "tg-a", "container_name": "api", "container_port": 3000}


@pytest.mark.parametrize("config, expected", [
    (DEPLOYMENT, {"minimum_healthy_percent": 100, "maximum_percent": 200, "circuit_breaker": {"enable": True, "rollback": True}}),
    ({"minimumHealthyPercent": 50, "maximumPercent": 150},
     {"minimum_healthy_percent": 50, "maximum_percent": 150, "circuit_breaker": {"enable": False, "rollback": False}}),
], ids=["full", "breaker-not-returned-is-disabled"])
def test_normalise_deployment_configuration(config, expected):
    assert normalise_deployment_configuration(config) == expected


def test_current_state_leaves_out_what_aws_did_not_return():
    raw = raw_service()
    for key in ("deploymentConfiguration", "healthCheckGracePeriodSeconds", "enableExecuteCommand",
                "enableECSManagedTags", "platformVersion"):
        del raw[key]  # what moto 5.2.5 returns for a service it created
    state = current_state(raw)
    assert not {"deployment_configuration", "health_check_grace_period_seconds", "enable_execute_command",
                "enable_ecs_managed_tags", "platform_version"} & set(state)
    assert state["tags"] == TAGS and state["deployment_controller"] == "ECS"
    assert state["network_configuration"]["subnets"] == ["subnet-a", "subnet-b"]


@pytest.mark.parametrize("overrides, expected", [
    ({}, "FARGATE"),
    ({"launchType": None, "capacityProviderStrategy": [{"capacityProvider": "FARGATE_SPOT"}]}, "(a capacity provider strategy)"),
    ({"launchType": None}, None),
], ids=["launch-type", "capacity-providers", "not-returned"])
def test_current_state_launch_type(overrides, expected):
    assert current_state(raw_service(**overrides)).get("launch_type") == expected


def test_desired_state_leaves_unasked_network_groups_out_and_defaults_the_rollback():
    desired = desired_state(params(
        network_configuration={"subnets": ["b", "a"], "security_groups": None, "assign_public_ip": False},
        deployment_configuration={"minimum_healthy_percent": None, "maximum_percent": 150,
                                  "circuit_breaker": {"enable": True, "rollback": None}},
    ), REV1)
    assert desired["network_configuration"] == {"subnets": ["a", "b"], "assign_public_ip": False}
    assert desired["deployment_configuration"] == {"maximum_percent": 150, "circuit_breaker": {"enable": True, "rollback": False}}
    assert desired["scheduling_strategy"] == "REPLICA"


def test_desired_state_with_an_empty_deployment_configuration_leaves_it_alone():
    desired = desired_state(params(deployment_configuration={"minimum_healthy_percent": None, "maximum_percent": None,
                                                             "circuit_breaker": None}), REV1)
    assert desired["deployment_configuration"] is None


@pytest.mark.parametrize("desired, current, expected", [
    (REV1, REV1, True),
    (REV1, "api:1", True),  # moto returns what UpdateService was given
    (REV1, "api:2", False),
    (REV1, REV2, False),
    (REV1, "arn:aws:ecs:eu-west-1:123456789012:task-definition/api:1", False),
    (REV1, None, False),
    (None, REV1, False),
], ids=["same-arn", "bare-revision", "other-bare-revision", "other-arn", "other-region", "no-current", "nothing-asked"])
def test_same_task_definition(desired, current, expected):
    assert same_task_definition(desired, current) is expected


# plan: creation ---------------------------------------------------------------------------------

def test_plan_creates_an_absent_service_with_the_desired_count_and_tags():
    result = decide(None)
    assert result["create"] is True and result["changed"] is True
    assert result["before"] == {}
    assert result["after"]["task_definition"] == REV1
    assert result["after"]["desired_count"] == 1
    assert result["after"]["scheduling_strategy"] == "REPLICA"
    assert result["after"]["tags"] == TAGS
    assert "platform_version" not in result["after"]  # not asked: the AWS default


@pytest.mark.parametrize("desired, problems", [
    ({"task_definition": REV1, "desired_count": 1, "launch_type": "FARGATE", "network_configuration": {"subnets": ["a"]}}, []),
    ({"task_definition": None, "desired_count": 1, "launch_type": "EC2"}, ["task_definition"]),
    ({"task_definition": REV1, "desired_count": None, "launch_type": "EC2"}, ["desired_count"]),
    ({"task_definition": REV1, "desired_count": 0, "launch_type": "FARGATE", "network_configuration": None},
     ["network_configuration"]),
], ids=["complete", "no-task-definition", "no-desired-count", "fargate-without-network"])
def test_creation_problems(desired, problems):
    found = creation_problems(desired)
    assert len(found) == len(problems)
    for field, message in zip(problems, found):
        assert message.startswith(field)


# plan: existing service -------------------------------------------------------------------------

def test_plan_a_rerun_with_the_full_task_definition_arn_is_no_change():
    result = decide(raw_service())
    assert result["changed"] is False, result
    assert result["fields"] == [] and result["recreate"] == []
    assert result["before"] == result["after"]


def test_plan_leaves_a_desired_count_that_autoscaling_changed():
    result = decide(raw_service(desiredCount=3), desired_count=1)
    assert result["changed"] is False
    assert "desired_count" not in result["before"] and "desired_count" not in result["after"]


def test_plan_with_force_desired_count_sets_it():
    result = decide(raw_service(desiredCount=3), desired_count=1, force=True)
    assert result["changed"] is True and result["fields"] == ["desired_count"]
    assert result["before"]["desired_count"] == 3 and result["after"]["desired_count"] == 1


def test_plan_with_force_and_no_desired_count_leaves_it():
    assert decide(raw_service(desiredCount=3), desired_count=None, force=True)["changed"] is False


def test_plan_rolls_out_a_new_revision():
    result = decide(raw_service(), arn=REV2)
    assert result["changed"] is True and result["fields"] == ["task_definition"]
    assert (result["before"]["task_definition"], result["after"]["task_definition"]) == (REV1, REV2)


def test_plan_reads_a_bare_revision_returned_by_moto_as_the_same_arn():
    assert decide(raw_service(taskDefinition="api:1"))["changed"] is False
    assert decide(raw_service(taskDefinition="api:1"), arn=REV2)["fields"] == ["task_definition"]


def test_plan_does_not_act_on_fields_aws_did_not_return():
    raw = raw_service()
    for key in ("deploymentConfiguration", "healthCheckGracePeriodSeconds", "enableExecuteCommand", "enableECSManagedTags"):
        del raw[key]
    result = decide(raw, deployment_configuration={"minimum_healthy_percent": 50, "maximum_percent": 100,
                                                   "circuit_breaker": None},
                    health_check_grace_period_seconds=999, enable_execute_command=True, enable_ecs_managed_tags=True)
    assert result["changed"] is False


@pytest.mark.parametrize("deployment, fields", [
    ({"minimum_healthy_percent": 100, "maximum_percent": None, "circuit_breaker": None}, []),
    ({"minimum_healthy_percent": 100.0, "maximum_percent": 200, "circuit_breaker": None}, []),
    ({"minimum_healthy_percent": 50, "maximum_percent": None, "circuit_breaker": None}, ["deployment_configuration"]),
    ({"minimum_healthy_percent": None, "maximum_percent": None, "circuit_breaker": {"enable": True, "rollback": False}},
     ["deployment_configuration"]),
], ids=["one-key-equal", "number-types", "one-key-differs", "breaker-differs"])
def test_plan_compares_only_the_asked_deployment_keys(deployment, fields):
    assert decide(raw_service(), deployment_configuration=deployment)["fields"] == fields


def test_plan_merges_a_partial_deployment_change_into_the_current_configuration():
    result = decide(raw_service(), deployment_configuration={"minimum_healthy_percent": 50, "maximum_percent": None,
                                                             "circuit_breaker": None})
    assert result["after"]["deployment_configuration"] == {
        "minimum_healthy_percent": 50, "maximum_percent": 200, "circuit_breaker": {"enable": True, "rollback": True}}


@pytest.mark.parametrize("network, fields", [
    ({"subnets": ["subnet-b", "subnet-a"], "security_groups": ["sg-1"], "assign_public_ip": False}, []),
    ({"subnets": ["subnet-a", "subnet-b"], "security_groups": None, "assign_public_ip": False}, []),
    ({"subnets": ["subnet-a"], "security_groups": ["sg-1"], "assign_public_ip": False}, ["network_configuration"]),
    ({"subnets": ["subnet-a", "subnet-b"], "security_groups": ["sg-1"], "assign_public_ip": True}, ["network_configuration"]),
], ids=["order-does-not-matter", "groups-not-asked", "subnet-removed", "public-ip"])
def test_plan_network_configuration(network, fields):
    assert decide(raw_service(), network_configuration=network)["fields"] == fields


def test_plan_keeps_the_current_groups_when_only_subnets_are_asked():
    result = decide(raw_service(), network_configuration={"subnets": ["subnet-c"], "security_groups": None,
                                                          "assign_public_ip": False})
    assert result["after"]["network_configuration"] == {"subnets": ["subnet-c"], "security_groups": ["sg-1"],
                                                        "assign_public_ip": False}


@pytest.mark.parametrize("lbs, fields", [
    ([{"target_group_arn": TG, "container_name": "api", "container_port": 3000}], []),
    ([], ["load_balancers"]),
    ([{"target_group_arn": TG, "container_name": "api", "container_port": 8080}], ["load_balancers"]),
    (None, []),
], ids=["same", "removed", "other-port", "not-asked"])
def test_plan_load_balancers(lbs, fields):
    assert decide(raw_service(), load_balancers=lbs)["fields"] == fields


@pytest.mark.parametrize("overrides, launch_type, recreate", [
    ({}, "EC2", ["launch_type"]),
    ({"launchType": None}, "EC2", []),  # not returned: not a difference
    ({"schedulingStrategy": "DAEMON"}, "FARGATE", ["scheduling_strategy"]),
], ids=["launch-type", "launch-type-not-returned", "daemon"])
def test_plan_names_the_fields_only_a_new_service_can_change(overrides, launch_type, recreate):
    result = decide(raw_service(**overrides), launch_type=launch_type)
    assert result["recreate"] == recreate
    assert not set(recreate) & set(result["fields"])


@pytest.mark.parametrize("controller, blocked", [("ECS", []), ("CODE_DEPLOY", ["task_definition"]), ("EXTERNAL", ["task_definition"])])
def test_plan_refuses_rolling_update_fields_for_other_deployment_controllers(controller, blocked):
    result = decide(raw_service(deploymentController={"type": controller}), arn=REV2, health_check_grace_period_seconds=90)
    assert result["controller_blocked"] == blocked
    assert "health_check_grace_period_seconds" in result["fields"]


def test_plan_retags_without_updating_the_service():
    raw = raw_service(tags=[{"key": "App", "value": "nestjs-playground"}, {"key": "Env", "value": "dev"}, {"key": "Old", "value": "1"}])
    result = decide(raw, tags={"App": "nestjs-playground", "Env": "qa"})
    assert result["changed"] is True and result["fields"] == []
    assert result["tags_to_set"] == {"Env": "qa"} and result["tags_to_remove"] == ["Old"]
    assert result["after"]["tags"] == {"App": "nestjs-playground", "Env": "qa"}


def test_plan_with_tags_none_leaves_the_tags_alone():
    raw = raw_service(tags=[{"key": "Other", "value": "1"}])
    result = plan(desired_state(params(), REV1), current_state(raw), None, True)
    assert result["changed"] is False and result["after"]["tags"] == {"Other": "1"}


def test_plan_does_not_mutate_current():
    current = current_state(raw_service())
    snapshot = copy.deepcopy(current)
    plan(desired_state(params(network_configuration={"subnets": ["x"], "security_groups": None, "assign_public_ip": True}),
                       REV2), current, {"X": "1"}, True, True)
    assert current == snapshot


# AWS arguments ------------------------------------------------------------------------------------

def test_update_arguments_send_only_the_differing_fields():
    raw = raw_service(desiredCount=3)
    result = decide(raw, arn=REV2, desired_count=1,
                    deployment_configuration={"minimum_healthy_percent": 50, "maximum_percent": None, "circuit_breaker": None})
    args = update_arguments("dev", "api", result["fields"], result["after"], raw)
    assert args == {
        "cluster": "dev",
        "service": "api",
        "taskDefinition": REV2,
        # the service's own alarms configuration is sent back unchanged
        "deploymentConfiguration": dict(DEPLOYMENT, minimumHealthyPercent=50),
    }


def test_update_arguments_network_shape():
    raw = raw_service()
    result = decide(raw, network_configuration={"subnets": ["subnet-c"], "security_groups": ["sg-2"], "assign_public_ip": True})
    args = update_arguments("dev", "api", result["fields"], result["after"], raw)
    assert args["networkConfiguration"] == {"awsvpcConfiguration": {"subnets": ["subnet-c"], "securityGroups": ["sg-2"],
                                                                    "assignPublicIp": "ENABLED"}}


def test_update_arguments_none_when_nothing_differs():
    assert update_arguments("dev", "api", [], {}, raw_service()) is None


def test_create_arguments_carry_every_asked_field_and_the_tags():
    result = decide(None, enable_ecs_managed_tags=True, platform_version="1.4.0")
    args = create_arguments("dev", "api", result["after"])
    assert args == {
        "cluster": "dev",
        "serviceName": "api",
        "taskDefinition": REV1,
        "desiredCount": 1,
        "launchType": "FARGATE",
        "schedulingStrategy": "REPLICA",
        "platformVersion": "1.4.0",
        "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"], "securityGroups": ["sg-1"],
                                                         "assignPublicIp": "DISABLED"}},
        "loadBalancers": [{"targetGroupArn": TG, "containerName": "api", "containerPort": 3000}],
        "deploymentConfiguration": {"minimumHealthyPercent": 100, "maximumPercent": 200,
                                    "deploymentCircuitBreaker": {"enable": True, "rollback": True}},
        "healthCheckGracePeriodSeconds": 60,
        "enableExecuteCommand": False,
        "propagateTags": "SERVICE",
        "enableECSManagedTags": True,
        "tags": [{"key": "App", "value": "nestjs-playground"}, {"key": "Env", "value": "dev"}],
    }


@pytest.mark.parametrize("timeout, config", [
    (600, {"Delay": 15, "MaxAttempts": 40}),
    (60, {"Delay": 15, "MaxAttempts": 4}),
    (30, {"Delay": 7, "MaxAttempts": 5}),
    (1, {"Delay": 1, "MaxAttempts": 1}),
    (0, {"Delay": 1, "MaxAttempts": 1}),
])
def test_waiter_config(timeout, config):
    assert waiter_config(timeout) == config


def test_service_result_is_snake_case_with_a_deployment_summary():
    raw = raw_service()
    result = service_result(raw, current_state(raw), TAGS)
    assert result["service_arn"] == raw["serviceArn"] and result["running_count"] == 1
    assert result["task_definition"] == REV1
    assert result["deployments"] == [{"id": "ecs-svc/1", "status": "PRIMARY", "task_definition": REV1, "desired_count": 1,
                                      "running_count": 1, "pending_count": 0, "rollout_state": "COMPLETED",
                                      "created_at": "2026-11-01T00:00:00+00:00", "updated_at": "2026-11-01T00:00:00+00:00"}]
    assert result["tags"] == TAGS
    assert "deployment_controller" not in result


# ---- after waiting: did the new task definition roll out, or did the circuit breaker roll it back? ----

def deployment(ident, status, task_definition, rollout_state):
    return {"id": ident, "status": status, "taskDefinition": task_definition, "rolloutState": rollout_state}


UPDATE_ANSWER = raw_service(taskDefinition=REV2, deployments=[deployment("ecs-svc/2", "PRIMARY", REV2, "IN_PROGRESS"),
                                                              deployment("ecs-svc/1", "ACTIVE", REV1, "COMPLETED")])


def test_the_deployment_that_rolls_out_is_the_primary_one_of_the_answer():
    assert primary_deployment_id(UPDATE_ANSWER) == "ecs-svc/2"
    assert primary_deployment_id({}) is None


def test_a_stable_service_whose_new_deployment_completed_rolled_out():
    service = raw_service(taskDefinition=REV2, deployments=[deployment("ecs-svc/2", "PRIMARY", REV2, "COMPLETED")])
    assert rollout_outcome(service, "ecs-svc/2", REV2) == "completed"


def test_a_stable_service_without_its_new_deployment_was_rolled_back_by_the_circuit_breaker():
    # What ECS leaves after a failed deployment with rollback: the rollback deployment, on the last completed revision.
    service = raw_service(taskDefinition=REV1, deployments=[deployment("ecs-svc/3", "PRIMARY", REV1, "COMPLETED")],
                          events=[{"message": "(service api) rolling back to deployment ecs-svc/1."},
                                  {"message": "(service api) (deployment ecs-svc/2) deployment failed: tasks failed to start."}])
    assert rollout_outcome(service, "ecs-svc/2", REV2) == "rolled_back"
    message = rollback_message("api", REV2, service)
    assert message.startswith(f"ECS service api did not roll out {REV2}: the deployment failed and the circuit breaker "
                              f"rolled the service back to {REV1}, which it runs now.")
    assert "deployment failed: tasks failed to start." in message


def test_a_new_deployment_still_listed_as_failed_was_rolled_back():
    service = raw_service(taskDefinition=REV1, deployments=[deployment("ecs-svc/3", "PRIMARY", REV1, "COMPLETED"),
                                                            deployment("ecs-svc/2", "ACTIVE", REV2, "FAILED")])
    assert primary_task_definition(service) == REV1
    assert rollout_outcome(service, "ecs-svc/2", REV2) == "rolled_back"


def test_the_emulator_single_deployment_is_a_completed_rollout():
    # moto keeps its one COMPLETED deployment, with the old task definition, through UpdateService (docs/emulator-gaps.md).
    service = raw_service(taskDefinition="api:2", deployments=[deployment("ecs-svc/1", "PRIMARY", REV1, "COMPLETED")])
    assert rollout_outcome(service, "ecs-svc/1", REV2) == "completed"


@pytest.mark.parametrize("running, outcome", [(REV2, "completed"), ("api:2", "completed"), (REV1, "rolled_back")])
def test_without_a_deployment_id_the_task_definition_of_the_primary_deployment_decides(running, outcome):
    service = raw_service(taskDefinition=running, deployments=[deployment("ecs-svc/9", "PRIMARY", running, "COMPLETED")])
    assert rollout_outcome(service, None, REV2) == outcome


# ---- the Resource, against a stubbed client -------------------------------------------------------

def stubbed(**overrides):
    """test_resource's FakeModule with an ECS service's parameters, and its ECS stubber."""
    module = FakeModule(dict({"cluster": "dev", "name": "api", "state": "present", "task_definition": None, "wait": False,
                              "wait_timeout": 600}, **overrides))
    return module.stubber("ecs"), Service(module)


def test_a_missing_cluster_reads_as_an_absent_service():
    stubber, service = stubbed()
    stubber.add_client_error("describe_services", "ClusterNotFoundException")
    with stubber:
        assert service.describe() is None


def test_a_draining_service_is_absent_for_state_absent_and_refused_for_state_present():
    draining = {"serviceName": "api", "status": "DRAINING"}
    for state, found in (("absent", None), ("present", draining)):
        stubber, service = stubbed(state=state)
        stubber.add_response("describe_services", {"services": [draining]})
        with stubber:
            assert service.describe() == found
    assert "is DRAINING" in service.plan(draining)["problem"]


def test_deleting_a_service_already_gone_is_no_failure_and_deletes_nothing_more():
    stubber, service = stubbed(state="absent")
    stubber.add_client_error("update_service", "ServiceNotFoundException",
                             expected_params={"cluster": "dev", "service": "api", "desiredCount": 0})
    with stubber:
        service.delete({"serviceName": "api", "status": "ACTIVE", "desiredCount": 2})
    stubber.assert_no_pending_responses()


FORCED = {"force_new_deployment": True, "unless_deployed_since": None, "force_desired_count": False, "tags": None, "purge_tags": True,
          "launch_type": "FARGATE"}


def test_a_forced_deployment_of_an_unchanged_service_is_a_change_that_rolls_out_its_own_task_definition():
    _stubber, service = stubbed(**FORCED)
    decision = service.plan(raw_service())
    assert decision["changed"] and decision["force"] and decision["rolls_out"] and decision["fields"] == []
    assert (decision["before"]["deployment"], decision["after"]["deployment"]) == ("ecs-svc/1", "(new deployment)")
    assert decision["after"]["task_definition"] == REV1


def test_no_forced_deployment_leaves_an_unchanged_service_alone():
    _stubber, service = stubbed(**dict(FORCED, force_new_deployment=False))
    decision = service.plan(raw_service())
    assert not decision["changed"] and not decision["rolls_out"]


def test_a_forced_deployment_sends_force_new_deployment_and_checks_the_deployment_it_started():
    stubber, service = stubbed(**dict(FORCED, wait=True))
    current = raw_service()
    decision = service.plan(current)
    new = raw_service(deployments=[dict(current["deployments"][0], id="ecs-svc/2")])
    stubber.add_response("update_service", {"service": new},
                         expected_params={"cluster": "dev", "service": "api", "forceNewDeployment": True})
    stubber.add_response("describe_services", {"services": [new]})    # the waiter: stable at once
    stubber.add_response("describe_services", {"services": [new]})    # the service after it
    with stubber:
        service.apply(decision, current)
    stubber.assert_no_pending_responses()
    assert service.rollout == "completed" and service.rollback_problem is None


@pytest.mark.parametrize("since, forced", [
    ("2026-10-31T23:59:59+00:00", False),   # the PRIMARY deployment (created 2026-11-01) is newer: nothing to replace
    ("2026-11-01T00:00:00", False),         # no zone: UTC
    ("2026-11-01T00:00:01+00:00", True),    # older than the time asked: replaced
])
def test_a_forced_deployment_is_skipped_for_tasks_deployed_since_the_time_asked(since, forced):
    _stubber, service = stubbed(**dict(FORCED, unless_deployed_since=since))
    decision = service.plan(raw_service())
    assert decision["changed"] is forced and decision.get("force", False) is forced


def test_a_time_that_is_not_iso_8601_is_refused():
    _stubber, service = stubbed(**dict(FORCED, unless_deployed_since="yesterday"))
    assert service.plan(raw_service())["problem"].startswith("unless_deployed_since 'yesterday' is not a time in ISO 8601")


# ---- a wait that does not end stable: why (issue 22, the first-deploy image trap) -------------------------

PULL = ("CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to resolve ref "
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/nestjs-playground:latest: not found")
TASK_ARN = "arn:aws:ecs:us-east-1:123456789012:task/dev/"


def stopped_task(ident, minute, reason=PULL, containers=None):
    return {"taskArn": TASK_ARN + ident, "lastStatus": "STOPPED", "stopCode": "TaskFailedToStart", "stoppedReason": reason,
            "stoppedAt": datetime.datetime(2026, 12, 4, 9, minute, tzinfo=datetime.timezone.utc),
            "containers": containers if containers is not None else [{"name": "api", "reason": PULL}]}


def test_a_container_reason_the_task_reason_already_says_is_not_repeated():
    assert stop_reason(stopped_task("1", 0)) == PULL
    task = stopped_task("2", 0, reason="Essential container in task exited",
                        containers=[{"name": "api", "reason": "OutOfMemoryError: Container killed due to memory usage"}])
    assert stop_reason(task) == ("Essential container in task exited; container api: OutOfMemoryError: "
                                 "Container killed due to memory usage")
    assert stop_reason({"stopCode": "TaskFailedToStart"}) == "TaskFailedToStart"


def test_stopped_reasons_are_counted_once_each_most_recent_first():
    tasks = [stopped_task("1", 1), stopped_task("2", 3, reason="Scaling activity initiated by deployment", containers=[]),
             stopped_task("3", 2)]
    assert stopped_reasons(tasks) == ["1 task: Scaling activity initiated by deployment", "2 tasks: " + PULL]


def test_the_explanation_gives_the_counts_a_failed_deployment_the_reasons_and_the_events():
    service = raw_service(desiredCount=2, runningCount=0,
                          deployments=[dict(deployment("ecs-svc/1", "PRIMARY", REV1, "FAILED"),
                                            rolloutStateReason="ECS deployment circuit breaker: tasks failed to start.")],
                          events=[{"message": "(service api) has started 2 tasks: (task 1) (task 2)."}])
    assert unstable_explanation(service, [stopped_task("1", 1)]) == (
        ": 0 of 2 desired tasks run; its deployment failed (ECS deployment circuit breaker: tasks failed to start.); "
        "stopped tasks, most recent first: 1 task: " + PULL + "; latest service events: (service api) has started 2 tasks: "
        "(task 1) (task 2).")
    assert unstable_explanation(None, []) == (
        ": no stopped task to read (ECS lists a service's stopped tasks for about an hour)")


def expect_the_stopped_tasks(stubber, service_now, tasks):
    """The reads of a failed wait: the stopped tasks' ARNs, the tasks, the service as it is."""
    stubber.add_response("list_tasks", {"taskArns": [t["taskArn"] for t in tasks]},
                         expected_params={"cluster": "dev", "serviceName": "api", "desiredStatus": "STOPPED", "maxResults": 100})
    stubber.add_response("describe_tasks", {"tasks": tasks},
                         expected_params={"cluster": "dev", "tasks": [t["taskArn"] for t in tasks]})
    stubber.add_response("describe_services", {"services": [service_now]})


def test_a_first_deployment_the_circuit_breaker_failed_ends_the_wait_at_once_with_why_its_tasks_stopped(monkeypatch):
    monkeypatch.setattr("botocore.waiter.time.sleep", lambda seconds: None)
    stubber, service = stubbed(wait=True, wait_timeout=600)
    failed = raw_service(desiredCount=2, runningCount=0,
                         deployments=[dict(deployment("ecs-svc/1", "PRIMARY", REV1, "FAILED"),
                                           rolloutStateReason="ECS deployment circuit breaker: tasks failed to start.")])
    pending = raw_service(desiredCount=2, runningCount=0, deployments=[deployment("ecs-svc/1", "PRIMARY", REV1, "IN_PROGRESS")])
    stubber.add_response("describe_services", {"services": [pending]})   # polled again
    stubber.add_response("describe_services", {"services": [failed]})    # FAILED: no more polls, not 40 of them
    expect_the_stopped_tasks(stubber, failed, [stopped_task("1", 1), stopped_task("2", 2)])
    with stubber, pytest.raises(Failed) as failure:
        service.wait("services_stable")
    stubber.assert_no_pending_responses()
    message = str(failure.value)
    assert message.startswith("ECS service api did not become stable within 600 s: 0 of 2 desired tasks run; its deployment "
                              "failed (ECS deployment circuit breaker: tasks failed to start.); stopped tasks, most recent "
                              "first: 2 tasks: " + PULL)
    assert "terminal failure state" in message   # botocore's own words come last


def test_a_wait_that_times_out_says_why_the_tasks_stopped(monkeypatch):
    monkeypatch.setattr("botocore.waiter.time.sleep", lambda seconds: None)
    stubber, service = stubbed(wait=True, wait_timeout=2)   # polled every second: two polls
    pending = raw_service(desiredCount=1, runningCount=0, deployments=[deployment("ecs-svc/1", "PRIMARY", REV1, "IN_PROGRESS")])
    for _ in range(2):
        stubber.add_response("describe_services", {"services": [pending]})
    expect_the_stopped_tasks(stubber, pending, [stopped_task("1", 1)])
    with stubber, pytest.raises(Failed, match=r"^ECS service api did not become stable within 2 s: 0 of 1 desired tasks run; "
                                              r"stopped tasks, most recent first: 1 task: CannotPullContainerError: .*Max attempts exceeded"):
        service.wait("services_stable")
    stubber.assert_no_pending_responses()


def test_stopped_tasks_that_cannot_be_read_leave_the_failure_as_it_was(monkeypatch):
    monkeypatch.setattr("botocore.waiter.time.sleep", lambda seconds: None)
    stubber, service = stubbed(wait=True, wait_timeout=1)
    pending = raw_service(desiredCount=1, runningCount=0)
    stubber.add_response("describe_services", {"services": [pending]})
    stubber.add_client_error("list_tasks", "AccessDeniedException")
    stubber.add_response("describe_services", {"services": [pending]})
    with stubber, pytest.raises(Failed, match=r"within 1 s: 0 of 1 desired tasks run; no stopped task to read"):
        service.wait("services_stable")
    stubber.assert_no_pending_responses()


def test_a_wait_for_the_deletion_reads_no_stopped_task(monkeypatch):
    monkeypatch.setattr("botocore.waiter.time.sleep", lambda seconds: None)
    stubber, service = stubbed(state="absent", wait=True, wait_timeout=1)
    stubber.add_response("describe_services", {"services": [raw_service(status="DRAINING")]})
    with stubber, pytest.raises(Failed, match=r"^ECS service api did not become INACTIVE within 1 s: .*Max attempts"):
        service.wait("services_inactive", "INACTIVE")
    stubber.assert_no_pending_responses()
