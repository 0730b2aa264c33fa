"""nestjs_playground.infra.alb_target_group against the local AWS endpoint, in the amazon.aws pattern:
create / modify / delete, each in check mode, for real and again; a field fixed at creation and a target
group still used by a listener fail clearly; the real state is read with boto3 after each step."""

import pytest

from conftest import vpc_with_subnets

pytestmark = pytest.mark.integration

MODULE = "nestjs_playground.infra.alb_target_group"
NAME = "tg-module-test"


def observe(elbv2):
    """What the emulator holds for the target group, or None."""
    try:
        (group,) = elbv2.describe_target_groups(Names=[NAME])["TargetGroups"]
    except elbv2.exceptions.TargetGroupNotFoundException:
        return None
    arn = group["TargetGroupArn"]
    attributes = {a["Key"]: a["Value"] for a in elbv2.describe_target_group_attributes(TargetGroupArn=arn)["Attributes"]}
    tags = elbv2.describe_tags(ResourceArns=[arn])["TagDescriptions"][0]["Tags"]
    return {
        "arn": arn,
        "protocol": group["Protocol"], "port": group["Port"], "vpc_id": group["VpcId"], "target_type": group["TargetType"],
        "path": group["HealthCheckPath"], "health_protocol": group["HealthCheckProtocol"],
        "health_port": group["HealthCheckPort"], "interval": group["HealthCheckIntervalSeconds"],
        "timeout": group["HealthCheckTimeoutSeconds"], "healthy": group["HealthyThresholdCount"],
        "unhealthy": group["UnhealthyThresholdCount"], "matcher": group["Matcher"]["HttpCode"],
        "deregistration_delay": attributes["deregistration_delay.timeout_seconds"],
        "tags": {t["Key"]: t["Value"] for t in tags},
    }


@pytest.fixture(scope="module")
def world(ansible):
    ec2, elbv2 = ansible.client("ec2"), ansible.client("elbv2")
    vpc, subnets = vpc_with_subnets(ec2, 31, "ab")
    sg = ec2.create_security_group(VpcId=vpc, GroupName="alb", Description="alb")["GroupId"]
    lb = elbv2.create_load_balancer(Name="tg-test", Subnets=subnets, SecurityGroups=[sg], Scheme="internet-facing",
                                    Type="application")["LoadBalancers"][0]["LoadBalancerArn"]
    return {"vpc": vpc, "lb": lb, "elbv2": elbv2}


@pytest.fixture(scope="module")
def steps(ansible, world):
    elbv2 = world["elbv2"]
    create = {"name": NAME, "protocol": "HTTP", "port": 3000, "vpc_id": world["vpc"], "target_type": "ip",
              "health_check": {"path": "/health", "interval_seconds": 30, "timeout_seconds": 5,
                               "healthy_threshold_count": 2, "unhealthy_threshold_count": 3, "matcher": "200"},
              "deregistration_delay": 30, "tags": {"App": "a", "Env": "dev", "Owner": "o"}}
    modify = dict(create, health_check={"path": "/ready", "interval_seconds": 10, "timeout_seconds": 5,
                                        "healthy_threshold_count": 2, "unhealthy_threshold_count": 3, "matcher": "200-299"},
                  deregistration_delay=60, tags={"App": "a", "Env": "qa"})
    delete = {"name": NAME, "state": "absent"}
    out = {}

    def step(name, args, check=False):
        out[name] = (ansible.module(MODULE, args, check=check, diff=True), observe(elbv2))

    step("create_check", create, check=True)
    step("create", create)
    step("create_again", create)
    step("modify_check", modify, check=True)
    step("modify", modify)
    step("modify_again", modify)
    step("replace_port", dict(modify, port=8080))
    step("replace_target_type", dict(modify, target_type="instance"))
    listener = elbv2.create_listener(
        LoadBalancerArn=world["lb"], Protocol="HTTP", Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": out["create"][1]["arn"]}],
    )["Listeners"][0]["ListenerArn"]
    step("delete_in_use_check", delete, check=True)
    step("delete_in_use", delete)
    elbv2.delete_listener(ListenerArn=listener)
    step("delete_check", delete, check=True)
    step("delete", delete)
    step("delete_again", delete)
    return out


def test_create_in_check_mode_reports_a_change_and_creates_nothing(steps):
    result, state = steps["create_check"]
    assert result["changed"] is True
    assert state is None
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["health_check_path"] == "/health"
    assert result["diff"]["after"]["deregistration_delay"] == 30
    assert "target_group_arn" not in result["target_group"]


def test_create_makes_the_target_group_as_asked(steps, world):
    result, state = steps["create"]
    assert result["changed"] is True
    assert {k: v for k, v in state.items() if k != "arn"} == {
        "protocol": "HTTP", "port": 3000, "vpc_id": world["vpc"], "target_type": "ip",
        "path": "/health", "health_protocol": "HTTP", "health_port": "traffic-port", "interval": 30, "timeout": 5,
        "healthy": 2, "unhealthy": 3, "matcher": "200", "deregistration_delay": "30",
        "tags": {"App": "a", "Env": "dev", "Owner": "o"},
    }
    assert result["target_group"]["target_group_arn"] == state["arn"]


def test_create_again_changes_nothing(steps):
    result, state = steps["create_again"]
    assert result["changed"] is False
    assert state == steps["create"][1]
    assert result["target_group"]["load_balancer_arns"] == []


def test_modify_in_check_mode_reports_the_diff_and_modifies_nothing(steps):
    result, state = steps["modify_check"]
    assert result["changed"] is True
    assert state == steps["create"][1]
    before, after = result["diff"]["before"], result["diff"]["after"]
    assert (before["health_check_path"], after["health_check_path"]) == ("/health", "/ready")
    assert (before["matcher"], after["matcher"]) == ({"http_code": "200"}, {"http_code": "200-299"})
    assert (before["deregistration_delay"], after["deregistration_delay"]) == (30, 60)
    assert after["tags"] == {"App": "a", "Env": "qa"}


def test_modify_changes_health_check_delay_and_tags_in_place(steps):
    result, state = steps["modify"]
    assert result["changed"] is True
    assert state["arn"] == steps["create"][1]["arn"]
    assert (state["path"], state["interval"], state["matcher"]) == ("/ready", 10, "200-299")
    assert (state["timeout"], state["healthy"], state["unhealthy"]) == (5, 2, 3)
    assert state["deregistration_delay"] == "60"
    assert state["tags"] == {"App": "a", "Env": "qa"}


def test_modify_again_changes_nothing(steps):
    result, state = steps["modify_again"]
    assert result["changed"] is False
    assert state == steps["modify"][1]


@pytest.mark.parametrize("step, field", [("replace_port", "port"), ("replace_target_type", "target_type")])
def test_a_field_fixed_at_creation_fails_naming_it_and_changes_nothing(steps, step, field):
    result, state = steps[step]
    assert result.get("failed") is True
    assert f"must be replaced to change {field}" in result["msg"]
    assert state == steps["modify"][1]


def test_delete_in_check_mode_of_a_group_in_use_warns_and_deletes_nothing(steps, world):
    result, state = steps["delete_in_use_check"]
    assert result["changed"] is True
    assert state == steps["modify"][1]
    assert any(world["lb"] in warning for warning in result.get("warnings", []))


def test_delete_of_a_group_in_use_fails_naming_the_load_balancer(steps, world):
    result, state = steps["delete_in_use"]
    assert result.get("failed") is True
    assert "still used by a listener or rule" in result["msg"] and world["lb"] in result["msg"]
    assert state == steps["modify"][1]


def test_delete_in_check_mode_reports_a_change_and_deletes_nothing(steps):
    result, state = steps["delete_check"]
    assert result["changed"] is True
    assert state == steps["modify"][1]
    assert result["diff"]["after"] == {} and result["diff"]["before"]["port"] == 3000


def test_delete_removes_the_target_group(steps):
    result, state = steps["delete"]
    assert result["changed"] is True
    assert state is None


def test_delete_again_changes_nothing(steps):
    assert steps["delete_again"][0]["changed"] is False
