import copy
import datetime

import pytest

from ansible_collections.nestjs_playground.infra.plugins.modules.ecs_service_scaling import (
    ServiceScaling,
    current_policy,
    current_target,
    desired_policy,
    desired_target,
    plan,
    plan_absent,
    policy_configuration,
    predicted_raw,
    resource_id,
    snake,
)
from ansible_collections.nestjs_playground.infra.tests.unit.plugins.module_utils.test_resource import FakeModule

RID = "service/dev/api"
CPU = "ECSServiceAverageCPUUtilization"
ALB = "ALBRequestCountPerTarget"
LABEL = "app/dev/0123456789abcdef/targetgroup/api/fedcba9876543210"


def params(**overrides):
    base = {"min_capacity": 1, "max_capacity": 4, "predefined_metric": CPU, "resource_label": None,
            "target_value": 50.0, "scale_in_cooldown": 300, "scale_out_cooldown": 60, "disable_scale_in": False}
    base.update(overrides)
    return base


def raw_target(min_capacity=1, max_capacity=4):
    return {"ServiceNamespace": "ecs", "ResourceId": RID, "ScalableDimension": "ecs:service:DesiredCount",
            "MinCapacity": min_capacity, "MaxCapacity": max_capacity,
            "RoleARN": "arn:aws:iam::123456789012:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService",
            "CreationTime": datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc)}


def raw_policy(**config_overrides):
    config = {"TargetValue": 50.0, "PredefinedMetricSpecification": {"PredefinedMetricType": CPU},
              "ScaleInCooldown": 300, "ScaleOutCooldown": 60, "DisableScaleIn": False}
    config.update(config_overrides)
    config = {key: value for key, value in config.items() if value is not None}
    return {"PolicyARN": "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:1:resource/ecs/service/dev/api:policyName/cpu",
            "PolicyName": "cpu", "ServiceNamespace": "ecs", "ResourceId": RID, "ScalableDimension": "ecs:service:DesiredCount",
            "PolicyType": "TargetTrackingScaling", "TargetTrackingScalingPolicyConfiguration": config,
            "Alarms": [{"AlarmName": "TargetTracking-high", "AlarmARN": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:high"}]}


def decide(target=None, policy=None, **overrides):
    wanted = params(**overrides)
    return plan(desired_target(wanted), desired_policy(wanted), current_target(target), current_policy(policy))


@pytest.mark.parametrize("cluster", ["dev", "arn:aws:ecs:us-east-1:123456789012:cluster/dev"])
def test_resource_id_uses_the_cluster_name(cluster):
    assert resource_id(cluster, "api") == RID


# normalising ------------------------------------------------------------------------------------

def test_desired_policy_reads_the_target_as_a_float_and_the_label_only_when_given():
    assert desired_policy(params(target_value=50))["target_value"] == 50.0
    assert desired_policy(params())["predefined_metric_specification"] == {"predefined_metric_type": CPU}
    assert desired_policy(params(predefined_metric=ALB, resource_label=LABEL))["predefined_metric_specification"] == {
        "predefined_metric_type": ALB, "resource_label": LABEL}


def test_current_policy_defaults_disable_scale_in_and_leaves_out_cooldowns_not_returned():
    state = current_policy(raw_policy(DisableScaleIn=None, ScaleInCooldown=None, ScaleOutCooldown=None))
    assert state == {"policy_type": "TargetTrackingScaling", "predefined_metric_specification": {"predefined_metric_type": CPU},
                     "target_value": 50.0, "disable_scale_in": False}


def test_current_policy_marks_a_customized_metric_as_different():
    policy = raw_policy(PredefinedMetricSpecification=None, CustomizedMetricSpecification={"MetricName": "x"})
    assert current_policy(policy)["predefined_metric_specification"] == {"customized": True}


@pytest.mark.parametrize("function", [current_target, current_policy])
def test_current_of_nothing_is_none(function):
    assert function(None) is None


# plan ---------------------------------------------------------------------------------------------

def test_plan_registers_and_puts_when_nothing_exists():
    result = decide()
    assert result["register"] is True and result["put"] is True and result["changed"] is True
    assert result["before"] == {}
    assert result["after"]["scalable_target"] == {"min_capacity": 1, "max_capacity": 4}
    assert result["after"]["policy"]["target_value"] == 50.0


def test_plan_is_a_no_op_when_both_match():
    result = decide(raw_target(), raw_policy())
    assert result["changed"] is False and result["register"] is False and result["put"] is False
    assert result["before"] == result["after"]


@pytest.mark.parametrize("stored, asked", [(50, 50.0), (50.0, 50), (50, 50)], ids=["int-stored", "int-asked", "both-int"])
def test_plan_compares_the_target_value_as_a_number(stored, asked):
    assert decide(raw_target(), raw_policy(TargetValue=stored), target_value=asked)["changed"] is False


def test_plan_only_registers_when_only_the_capacity_differs():
    result = decide(raw_target(), raw_policy(), max_capacity=10)
    assert result["register"] is True and result["put"] is False
    assert result["target_fields"] == ["max_capacity"]
    assert result["after"]["scalable_target"] == {"min_capacity": 1, "max_capacity": 10}


@pytest.mark.parametrize("overrides, fields", [
    ({"target_value": 60}, ["target_value"]),
    ({"scale_in_cooldown": 120, "scale_out_cooldown": 30}, ["scale_in_cooldown", "scale_out_cooldown"]),
    ({"disable_scale_in": True}, ["disable_scale_in"]),
    ({"predefined_metric": "ECSServiceAverageMemoryUtilization"}, ["predefined_metric_specification"]),
], ids=["target", "cooldowns", "disable-scale-in", "metric"])
def test_plan_only_puts_when_only_the_policy_differs(overrides, fields):
    result = decide(raw_target(), raw_policy(), **overrides)
    assert result["register"] is False and result["put"] is True
    assert result["policy_fields"] == fields


def test_plan_leaves_cooldowns_that_are_not_asked():
    result = decide(raw_target(), raw_policy(ScaleInCooldown=900), scale_in_cooldown=None)
    assert result["changed"] is False
    assert result["after"]["policy"]["scale_in_cooldown"] == 900


def test_plan_switching_from_requests_to_cpu_drops_the_resource_label():
    policy = raw_policy(PredefinedMetricSpecification={"PredefinedMetricType": ALB, "ResourceLabel": LABEL})
    result = decide(raw_target(), policy)
    assert result["put"] is True
    assert result["after"]["policy"]["predefined_metric_specification"] == {"predefined_metric_type": CPU}
    assert "ResourceLabel" not in policy_configuration(result["after"]["policy"])["PredefinedMetricSpecification"]


def test_plan_replaces_a_step_scaling_policy_of_the_same_name():
    step = raw_policy()
    step["PolicyType"] = "StepScaling"
    del step["TargetTrackingScalingPolicyConfiguration"]
    step["StepScalingPolicyConfiguration"] = {"AdjustmentType": "ChangeInCapacity"}
    result = decide(raw_target(), step)
    # The target-tracking fields are not there to compare; the policy type alone makes the difference.
    assert result["put"] is True and result["policy_fields"] == ["policy_type"]
    assert result["after"]["policy"]["target_value"] == 50.0


def test_plan_puts_a_missing_policy_on_an_existing_target():
    result = decide(raw_target())
    assert result["register"] is False and result["put"] is True
    assert result["before"] == {"scalable_target": {"min_capacity": 1, "max_capacity": 4}}


def test_plan_does_not_mutate_current():
    target, policy = current_target(raw_target()), current_policy(raw_policy())
    snapshot = copy.deepcopy((target, policy))
    wanted = params(max_capacity=10, target_value=70, scale_in_cooldown=None)
    plan(desired_target(wanted), desired_policy(wanted), target, policy)
    assert (target, policy) == snapshot


@pytest.mark.parametrize("target, policy, delete_policy, deregister", [
    (None, None, False, False),
    (raw_target(), None, False, True),
    (raw_target(), raw_policy(), True, True),
    (None, raw_policy(), True, False),
], ids=["nothing", "target-only", "both", "policy-only"])
def test_plan_absent(target, policy, delete_policy, deregister):
    result = plan_absent(current_target(target), current_policy(policy))
    assert (result["delete_policy"], result["deregister"]) == (delete_policy, deregister)
    assert result["changed"] is (delete_policy or deregister)
    assert result["after"] == {}


# AWS shapes ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("overrides, expected", [
    ({}, {"TargetValue": 50.0, "PredefinedMetricSpecification": {"PredefinedMetricType": CPU}, "DisableScaleIn": False,
          "ScaleInCooldown": 300, "ScaleOutCooldown": 60}),
    ({"scale_in_cooldown": None, "scale_out_cooldown": None, "target_value": 50},
     {"TargetValue": 50.0, "PredefinedMetricSpecification": {"PredefinedMetricType": CPU}, "DisableScaleIn": False}),
    ({"predefined_metric": ALB, "resource_label": LABEL, "target_value": 1000, "disable_scale_in": True,
      "scale_in_cooldown": None, "scale_out_cooldown": None},
     {"TargetValue": 1000.0, "PredefinedMetricSpecification": {"PredefinedMetricType": ALB, "ResourceLabel": LABEL},
      "DisableScaleIn": True}),
], ids=["cpu", "no-cooldowns", "requests"])
def test_policy_configuration(overrides, expected):
    assert policy_configuration(desired_policy(params(**overrides))) == expected


def test_predicted_raw_overlays_the_asked_values_on_what_exists():
    result = decide(raw_target(), raw_policy(), max_capacity=10, target_value=60)
    target, policy = predicted_raw(RID, "cpu", raw_target(), raw_policy(), result["after"])
    assert (target["MinCapacity"], target["MaxCapacity"]) == (1, 10)
    assert target["RoleARN"].endswith("AWSServiceRoleForApplicationAutoScaling_ECSService")
    assert policy["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 60.0
    assert policy["PolicyARN"] == raw_policy()["PolicyARN"]


def test_predicted_raw_of_a_new_target_and_policy():
    target, policy = predicted_raw(RID, "cpu", None, None, decide()["after"])
    assert target == {"ServiceNamespace": "ecs", "ResourceId": RID, "ScalableDimension": "ecs:service:DesiredCount",
                      "MinCapacity": 1, "MaxCapacity": 4}
    assert "PolicyARN" not in policy and policy["PolicyName"] == "cpu"


def test_snake_converts_names_and_timestamps():
    result = snake(raw_target())
    assert result["creation_time"] == "2026-11-01T00:00:00+00:00"
    assert result["role_arn"].startswith("arn:aws:iam::") and result["max_capacity"] == 4
    assert snake(raw_policy())["target_tracking_scaling_policy_configuration"]["predefined_metric_specification"] == {
        "predefined_metric_type": CPU}
    assert snake(None) == {}


# the Resource, against a stubbed client ------------------------------------------------------------

def stubbed(**overrides):
    """test_resource's FakeModule with a service scaling's parameters, and its Application Auto Scaling stubber."""
    module = FakeModule(dict(params(**overrides), cluster="dev", service="api", policy_name="cpu", state="present"))
    return module.stubber("application-autoscaling"), ServiceScaling(module)


KEY = {"ServiceNamespace": "ecs", "ResourceId": RID, "ScalableDimension": "ecs:service:DesiredCount"}


def test_deleting_a_policy_and_target_already_gone_is_no_failure():
    stubber, scaling = stubbed()
    stubber.add_client_error("delete_scaling_policy", "ObjectNotFoundException", expected_params=dict(KEY, PolicyName="cpu"))
    stubber.add_client_error("deregister_scalable_target", "ObjectNotFoundException", expected_params=KEY)
    with stubber:
        scaling.delete({"target": raw_target(), "policy": raw_policy()})
    stubber.assert_no_pending_responses()


def test_nothing_described_is_absent_and_the_answer_is_filtered_by_resource():
    stubber, scaling = stubbed()
    stubber.add_response("describe_scalable_targets", {"ScalableTargets": [dict(raw_target(), ResourceId=RID + "-worker")]})
    stubber.add_response("describe_scaling_policies", {"ScalingPolicies": [dict(raw_policy(), ResourceId=RID + "-worker", CreationTime=raw_target()["CreationTime"])]})
    with stubber:
        assert scaling.describe() is None


def test_a_minimum_above_the_maximum_is_refused():
    _stubber, scaling = stubbed(min_capacity=5, max_capacity=2)
    assert scaling.plan(None)["problem"] == "min_capacity (5) is greater than max_capacity (2)"
