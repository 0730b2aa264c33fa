import copy

import pytest

from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import MISSING
from ansible_collections.nestjs_playground.infra.plugins.modules.alb_target_group import creation_problems
from ansible_collections.nestjs_playground.infra.plugins.modules.alb_target_group import current_state
from ansible_collections.nestjs_playground.infra.plugins.modules.alb_target_group import desired_state
from ansible_collections.nestjs_playground.infra.plugins.modules.alb_target_group import health_check_request
from ansible_collections.nestjs_playground.infra.plugins.modules.alb_target_group import in_use_message
from ansible_collections.nestjs_playground.infra.plugins.modules.alb_target_group import plan
from ansible_collections.nestjs_playground.infra.plugins.modules.alb_target_group import replacement_message

ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/nestjs-playground-dev/73e2d6bc24d8a067"
LB = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/nestjs-playground/50dc6c495c0c9188"
VPC = "vpc-0123456789abcdef0"
TAGS = {"App": "nestjs-playground", "Env": "dev"}

# describe_target_groups as real AWS returns it for an ip target group behind one load balancer.
AWS_GROUP = {
    "TargetGroupArn": ARN,
    "TargetGroupName": "nestjs-playground-dev",
    "Protocol": "HTTP",
    "Port": 3000,
    "VpcId": VPC,
    "HealthCheckProtocol": "HTTP",
    "HealthCheckPort": "traffic-port",
    "HealthCheckEnabled": True,
    "HealthCheckIntervalSeconds": 30,
    "HealthCheckTimeoutSeconds": 5,
    "HealthyThresholdCount": 2,
    "UnhealthyThresholdCount": 3,
    "HealthCheckPath": "/health",
    "Matcher": {"HttpCode": "200"},
    "LoadBalancerArns": [LB],
    "TargetType": "ip",
    "ProtocolVersion": "HTTP1",
    "IpAddressType": "ipv4",
}
AWS_ATTRIBUTES = {"deregistration_delay.timeout_seconds": "30", "stickiness.enabled": "false"}


def health(**overrides):
    base = {"path": "/health", "protocol": "HTTP", "port": "traffic-port", "interval_seconds": 30, "timeout_seconds": 5,
            "healthy_threshold_count": 2, "unhealthy_threshold_count": 3, "matcher": "200"}
    base.update(overrides)
    return base


def params(**overrides):
    base = {"protocol": "HTTP", "port": 3000, "vpc_id": VPC, "target_type": "ip", "health_check": health(),
            "deregistration_delay": 30}
    base.update(overrides)
    return base


def current(group=None, attributes=None, tags=None):
    return current_state(copy.deepcopy(group or AWS_GROUP), dict(AWS_ATTRIBUTES if attributes is None else attributes),
                         dict(TAGS) if tags is None else tags)


def test_desired_state_flattens_the_health_check_and_wraps_the_matcher():
    desired = desired_state(params(health_check={"path": "/", "port": "traffic-port", "matcher": "200-299"}))
    assert desired["health_check_path"] == "/" and desired["health_check_port"] == "traffic-port"
    assert desired["matcher"] == {"http_code": "200-299"}
    assert desired["health_check_interval_seconds"] is None


def test_current_state_reads_the_aws_shape_and_lists_each_load_balancer_once():
    group = dict(AWS_GROUP, LoadBalancerArns=[LB, LB])  # the emulator repeats it per listener
    state = current(group)
    assert state["load_balancer_arns"] == [LB]
    assert state["matcher"] == {"http_code": "200"}
    assert state["deregistration_delay"] == 30


def test_current_state_without_the_attribute_marks_it_missing():
    assert current(attributes={})["deregistration_delay"] is MISSING


def test_plan_is_a_no_op_when_everything_matches():
    result = plan(desired_state(params()), current(), TAGS, True)
    assert result["changed"] is False and result["replace"] == [] and result["health_check"] == []
    assert result["attributes"] == {}
    assert result["before"] == result["after"]


def test_plan_with_only_a_path_leaves_the_other_health_check_fields_alone():
    result = plan(desired_state(params(health_check={"path": "/health", "port": "traffic-port"})), current(), TAGS, True)
    assert result["changed"] is False
    assert result["after"]["health_check_interval_seconds"] == 30


def test_plan_modifies_only_the_health_check_fields_that_differ():
    desired = desired_state(params(health_check=health(path="/ready", matcher="200-299", interval_seconds=10)))
    result = plan(desired, current(), TAGS, True)
    assert result["changed"] is True
    assert result["health_check"] == ["health_check_path", "health_check_interval_seconds", "matcher"]
    assert health_check_request(result["after"], result["health_check"]) == {
        "HealthCheckPath": "/ready", "HealthCheckIntervalSeconds": 10, "Matcher": {"HttpCode": "200-299"},
    }
    assert result["attributes"] == {}


def test_plan_sets_the_deregistration_delay_attribute_when_it_differs():
    result = plan(desired_state(params(deregistration_delay=300)), current(), TAGS, True)
    assert result["attributes"] == {"deregistration_delay.timeout_seconds": 300}
    assert result["health_check"] == []
    assert result["before"]["deregistration_delay"] == 30 and result["after"]["deregistration_delay"] == 300


def test_plan_an_attribute_aws_did_not_return_is_not_a_difference():
    result = plan(desired_state(params()), current(attributes={}), TAGS, True)
    assert result["changed"] is False and result["attributes"] == {}


@pytest.mark.parametrize(
    "field, value",
    [("protocol", "HTTPS"), ("port", 8080), ("vpc_id", "vpc-0fedcba9876543210"), ("target_type", "instance")],
)
def test_plan_a_field_fixed_at_creation_that_differs_means_replace(field, value):
    result = plan(desired_state(params(**{field: value})), current(), TAGS, True)
    assert result["replace"] == [field]
    desired = desired_state(params(**{field: value}))
    message = replacement_message("nestjs-playground-dev", result["replace"], result["before"], desired)
    assert field in message and repr(value) in message and "replaced" in message


def test_plan_fields_not_given_are_not_compared_for_replacement():
    result = plan(desired_state(params(protocol=None, port=None, vpc_id=None)), current(), TAGS, True)
    assert result["replace"] == [] and result["changed"] is False


def test_plan_creates_an_absent_target_group_with_what_was_asked():
    result = plan(desired_state(params()), None, TAGS, True)
    assert result["create"] is True and result["changed"] is True
    assert result["replace"] == [] and result["health_check"] == []
    assert result["after"]["matcher"] == {"http_code": "200"} and result["after"]["tags"] == TAGS
    assert result["before"] == {}


def test_plan_retags_only():
    result = plan(desired_state(params()), current(tags={"App": "nestjs-playground", "Old": "1"}), {"App": "x"}, True)
    assert result["changed"] is True and result["health_check"] == [] and result["attributes"] == {}
    assert result["tags_to_set"] == {"App": "x"} and result["tags_to_remove"] == ["Old"]


def test_plan_without_purge_tags_keeps_other_tags():
    result = plan(desired_state(params()), current(), {"App": "nestjs-playground"}, False)
    assert result["changed"] is False and result["after"]["tags"] == TAGS


@pytest.mark.parametrize(
    "overrides, problem",
    [
        ({}, None),
        ({"target_type": "lambda", "protocol": None, "port": None, "vpc_id": None}, None),
        ({"vpc_id": None}, "vpc_id is required"),
        ({"protocol": None, "port": None}, "protocol, port are required"),
    ],
    ids=["complete", "lambda-needs-none", "no-vpc", "no-protocol-no-port"],
)
def test_creation_problems(overrides, problem):
    found = creation_problems(desired_state(params(**overrides)))
    if problem is None:
        assert found is None
    else:
        assert problem in found


def test_in_use_message_names_the_load_balancers():
    message = in_use_message("nestjs-playground-dev", current())
    assert LB in message and "still used" in message


def test_plan_does_not_mutate_current():
    state = current()
    snapshot = copy.deepcopy(state)
    plan(desired_state(params(port=1, health_check=health(path="/x"))), state, {"X": "1"}, True)
    assert state == snapshot
