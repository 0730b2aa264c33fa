"""nestjs_playground.infra.ecs_service_scaling against the local AWS endpoint, in the amazon.aws pattern:
create / modify / delete, each in check mode, for real, and again; the real scalable target and policy
read with boto3 after each step.

moto gives a policy a new ARN on every PutScalingPolicy, so an unchanged ARN proves no write happened.
"""

import pytest

pytestmark = pytest.mark.integration

MODULE = "nestjs_playground.infra.ecs_service_scaling"
CLUSTER = "module-test"
SERVICE = "api"
NEIGHBOUR = "ap"  # its resource id is a prefix of ours: moto's DescribeScalingPolicies matches it too
RESOURCE = f"service/{CLUSTER}/{SERVICE}"
DIMENSION = "ecs:service:DesiredCount"
POLICY = "api-cpu"

CREATE = {"cluster": CLUSTER, "service": SERVICE, "min_capacity": 1, "max_capacity": 4, "policy_name": POLICY,
          "target_value": 50, "scale_in_cooldown": 300, "scale_out_cooldown": 60}
MODIFY = dict(CREATE, max_capacity=10, target_value=60, scale_in_cooldown=120, scale_out_cooldown=30)
DELETE = {"cluster": CLUSTER, "service": SERVICE, "policy_name": POLICY, "state": "absent"}


def observe(aas, resource=RESOURCE):
    """The scalable target and the policy the emulator holds for ``resource`` (None when absent)."""
    targets = [t for t in aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
               if t["ResourceId"] == resource]
    policies = [p for p in aas.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]
                if p["ResourceId"] == resource and p["PolicyName"] == POLICY]
    return {
        "target": (targets[0]["MinCapacity"], targets[0]["MaxCapacity"]) if targets else None,
        "policy": policies[0]["TargetTrackingScalingPolicyConfiguration"] if policies else None,
        "policy_arn": policies[0]["PolicyARN"] if policies else None,
    }


def make_services(ecs, aas):
    """The cluster, the service to scale, and a neighbour service with a policy of the same name."""
    ecs.create_cluster(clusterName=CLUSTER)
    ecs.register_task_definition(family="api", containerDefinitions=[{"name": "api", "image": "api:1", "memory": 512}])
    for name in (SERVICE, NEIGHBOUR):
        ecs.create_service(cluster=CLUSTER, serviceName=name, taskDefinition="api", desiredCount=1)
    neighbour = f"service/{CLUSTER}/{NEIGHBOUR}"
    aas.register_scalable_target(ServiceNamespace="ecs", ResourceId=neighbour, ScalableDimension=DIMENSION,
                                 MinCapacity=2, MaxCapacity=3)
    aas.put_scaling_policy(PolicyName=POLICY, ServiceNamespace="ecs", ResourceId=neighbour, ScalableDimension=DIMENSION,
                           PolicyType="TargetTrackingScaling",
                           TargetTrackingScalingPolicyConfiguration={
                               "TargetValue": 80.0,
                               "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageMemoryUtilization"}})


@pytest.fixture(scope="module")
def steps(ansible):
    aas, ecs = ansible.client("application-autoscaling"), ansible.client("ecs")
    out = {}

    def step(name, args, check=False):
        out[name] = (ansible.module(MODULE, args, check=check, diff=True), observe(aas))

    step("fresh_account_check", CREATE, check=True)  # no cluster, no service yet
    make_services(ecs, aas)
    step("create_check", CREATE, check=True)
    step("create", CREATE)
    step("create_again", CREATE)
    # The same policy written with an integer target: AWS and moto may hand back 50 where we send 50.0.
    aas.put_scaling_policy(PolicyName=POLICY, ServiceNamespace="ecs", ResourceId=RESOURCE, ScalableDimension=DIMENSION,
                           PolicyType="TargetTrackingScaling",
                           TargetTrackingScalingPolicyConfiguration={
                               "TargetValue": 50,
                               "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
                               "ScaleInCooldown": 300, "ScaleOutCooldown": 60, "DisableScaleIn": False})
    out["integer_target"] = observe(aas)
    step("create_again_as_float", dict(CREATE, target_value=50.0))
    step("modify_check", MODIFY, check=True)
    step("modify", MODIFY)
    step("modify_again", MODIFY)
    step("delete_check", DELETE, check=True)
    step("delete", DELETE)
    step("delete_again", DELETE)
    out["neighbour"] = observe(aas, f"service/{CLUSTER}/{NEIGHBOUR}")
    return out


CREATED_POLICY = {"TargetValue": 50.0,
                  "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
                  "ScaleInCooldown": 300, "ScaleOutCooldown": 60, "DisableScaleIn": False}
MODIFIED_POLICY = dict(CREATED_POLICY, TargetValue=60.0, ScaleInCooldown=120, ScaleOutCooldown=30)


def test_check_mode_on_a_fresh_account_reports_a_change_and_neither_fails_nor_writes(steps):
    result, state = steps["fresh_account_check"]
    assert result.get("failed") is not True, result
    assert result["changed"] is True
    assert state == {"target": None, "policy": None, "policy_arn": None}
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["scalable_target"] == {"min_capacity": 1, "max_capacity": 4}


def test_create_in_check_mode_reports_both_parts_and_creates_nothing(steps):
    result, state = steps["create_check"]
    assert result["changed"] is True
    assert state == {"target": None, "policy": None, "policy_arn": None}
    # The neighbour's policy of the same name (matched by moto's describe) is not taken for ours.
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["policy"]["target_value"] == 50.0
    assert result["policy"]["target_tracking_scaling_policy_configuration"]["scale_in_cooldown"] == 300


def test_create_registers_the_target_and_puts_the_policy(steps):
    result, state = steps["create"]
    assert result["changed"] is True
    assert state["target"] == (1, 4)
    assert state["policy"] == CREATED_POLICY
    assert result["policy"]["policy_arn"] == state["policy_arn"]
    assert result["scalable_target"]["resource_id"] == RESOURCE
    assert result["scalable_target"]["max_capacity"] == 4


def test_create_again_changes_nothing_and_writes_nothing(steps):
    result, state = steps["create_again"]
    assert result["changed"] is False, result["diff"]
    assert state == steps["create"][1]  # same ARN: no PutScalingPolicy


def test_a_stored_50_against_an_asked_50_0_is_no_change(steps):
    stored = steps["integer_target"]
    assert type(stored["policy"]["TargetValue"]) is int  # the premise: the emulator hands back 50, not 50.0
    result, state = steps["create_again_as_float"]
    assert result["changed"] is False, result["diff"]
    assert state == stored


def test_modify_in_check_mode_reports_the_diff_and_modifies_nothing(steps):
    result, state = steps["modify_check"]
    assert result["changed"] is True
    assert state == steps["integer_target"]
    before, after = result["diff"]["before"], result["diff"]["after"]
    assert before["scalable_target"]["max_capacity"] == 4 and after["scalable_target"]["max_capacity"] == 10
    assert before["policy"]["target_value"] == 50 and after["policy"]["target_value"] == 60.0
    assert (after["policy"]["scale_in_cooldown"], after["policy"]["scale_out_cooldown"]) == (120, 30)


def test_modify_changes_the_maximum_the_target_value_and_the_cooldowns(steps):
    result, state = steps["modify"]
    assert result["changed"] is True
    assert state["target"] == (1, 10)
    assert state["policy"] == MODIFIED_POLICY
    assert result["policy"]["target_tracking_scaling_policy_configuration"]["target_value"] == 60.0


def test_modify_again_changes_nothing(steps):
    result, state = steps["modify_again"]
    assert result["changed"] is False, result["diff"]
    assert state == steps["modify"][1]


def test_delete_in_check_mode_reports_a_change_and_deletes_nothing(steps):
    result, state = steps["delete_check"]
    assert result["changed"] is True
    assert result["diff"]["after"] == {}
    assert result["diff"]["before"]["scalable_target"]["max_capacity"] == 10
    assert state == steps["modify"][1]


def test_delete_removes_the_policy_and_the_target(steps):
    result, state = steps["delete"]
    assert result["changed"] is True
    assert state == {"target": None, "policy": None, "policy_arn": None}


def test_delete_again_changes_nothing(steps):
    assert steps["delete_again"][0]["changed"] is False


def test_the_neighbour_service_keeps_its_target_and_policy(steps):
    neighbour = steps["neighbour"]
    assert neighbour["target"] == (2, 3)
    assert neighbour["policy"]["TargetValue"] == 80.0
