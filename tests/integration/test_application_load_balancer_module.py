"""nestjs_playground.infra.application_load_balancer against the local AWS endpoint, in the amazon.aws
pattern: create / modify / delete, each in check mode, for real and again, with the real state read with
boto3 after each step.

It replaces amazon.aws.elb_application_lb, which in check mode returns no dns_name and no
canonical_hosted_zone_id (only ``msg``) even when the load balancer exists; the tests prove this module
returns them in check mode, and that it leaves alone a listener another module created.
"""

import pytest

from conftest import vpc_with_subnets

pytestmark = pytest.mark.integration

MODULE = "nestjs_playground.infra.application_load_balancer"
NAME = "alb-module-test"


def observe(elbv2):
    """What the emulator holds for the load balancer, or None."""
    try:
        (lb,) = elbv2.describe_load_balancers(Names=[NAME])["LoadBalancers"]
    except elbv2.exceptions.LoadBalancerNotFoundException:
        return None
    arn = lb["LoadBalancerArn"]
    attributes = {a["Key"]: a["Value"] for a in elbv2.describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]}
    tags = elbv2.describe_tags(ResourceArns=[arn])["TagDescriptions"][0]["Tags"]
    return {
        "arn": arn,
        "dns_name": lb["DNSName"],
        "zone": lb["CanonicalHostedZoneId"],
        "scheme": lb["Scheme"],
        "subnets": sorted(z["SubnetId"] for z in lb["AvailabilityZones"]),
        "security_groups": sorted(lb["SecurityGroups"]),
        "idle_timeout": attributes.get("idle_timeout.timeout_seconds"),
        "deletion_protection": attributes["deletion_protection.enabled"],
        "tags": {t["Key"]: t["Value"] for t in tags},
        "listeners": sorted(l["Port"] for l in elbv2.describe_listeners(LoadBalancerArn=arn)["Listeners"]),
    }


@pytest.fixture(scope="module")
def world(ansible):
    """A VPC with public subnets in three zones and two security groups."""
    ec2 = ansible.client("ec2")
    vpc, subnets = vpc_with_subnets(ec2, 32, "abc")
    groups = [ec2.create_security_group(VpcId=vpc, GroupName=f"alb-{i}", Description="alb")["GroupId"] for i in (1, 2)]
    return {"vpc": vpc, "subnets": subnets, "groups": groups, "elbv2": ansible.client("elbv2")}


@pytest.fixture(scope="module")
def steps(ansible, world):
    elbv2 = world["elbv2"]
    subnets, groups = world["subnets"], world["groups"]
    create = {"name": NAME, "scheme": "internet-facing", "subnets": subnets[:2], "security_groups": groups[:1],
              "idle_timeout": 60, "tags": {"App": "a", "Env": "dev", "Owner": "o"}}
    modify = dict(create, subnets=list(reversed(subnets)), security_groups=groups, idle_timeout=120,
                  tags={"App": "a", "Env": "qa"})
    protect = dict(modify, deletion_protection=True)
    delete = {"name": NAME, "state": "absent"}
    out = {}

    def step(name, args, check=False):
        out[name] = (ansible.module(MODULE, args, check=check, diff=True), observe(elbv2))

    step("create_check", create, check=True)
    step("create", create)
    step("create_again", create)
    step("nothing_to_do_check", create, check=True)
    # A listener another module manages: no run of this module may touch it.
    arn = out["create"][1]["arn"]
    elbv2.create_listener(LoadBalancerArn=arn, Protocol="HTTP", Port=80, DefaultActions=[
        {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}])
    step("modify_check", modify, check=True)
    step("modify", modify)
    step("modify_again", modify)
    step("scheme_change", dict(modify, scheme="internal"))
    step("protect", protect)
    step("delete_protected", delete)
    step("delete_protected_check", dict(delete, deletion_protection=False), check=True)
    step("delete", dict(delete, deletion_protection=False))
    step("delete_again", delete)
    return out


def test_create_in_check_mode_reports_a_change_and_creates_nothing(steps):
    result, state = steps["create_check"]
    assert result["changed"] is True
    assert state is None
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["scheme"] == "internet-facing"
    assert "dns_name" not in result["load_balancer"]


def test_create_makes_the_load_balancer_as_asked_without_listeners(steps, world):
    result, state = steps["create"]
    assert result["changed"] is True
    assert {k: v for k, v in state.items() if k not in ("arn", "dns_name", "zone")} == {
        "scheme": "internet-facing", "subnets": sorted(world["subnets"][:2]), "security_groups": world["groups"][:1],
        "idle_timeout": "60", "deletion_protection": "false", "tags": {"App": "a", "Env": "dev", "Owner": "o"},
        "listeners": [],
    }
    lb = result["load_balancer"]
    returned = (lb["load_balancer_arn"], lb["dns_name"], lb["canonical_hosted_zone_id"])
    assert returned == (state["arn"], state["dns_name"], state["zone"])


def test_create_again_changes_nothing(steps):
    result, state = steps["create_again"]
    assert result["changed"] is False
    assert state == steps["create"][1]


def test_check_mode_with_nothing_to_change_returns_the_dns_name_and_zone(steps):
    result, state = steps["nothing_to_do_check"]
    assert result["changed"] is False
    lb = result["load_balancer"]
    assert lb["dns_name"] == state["dns_name"] and lb["dns_name"]
    assert lb["canonical_hosted_zone_id"] == state["zone"] and lb["canonical_hosted_zone_id"]
    assert lb["load_balancer_arn"] == state["arn"]


def test_modify_in_check_mode_reports_the_diff_returns_the_dns_name_and_modifies_nothing(steps, world):
    result, state = steps["modify_check"]
    assert result["changed"] is True
    assert state == dict(steps["create"][1], listeners=[80])
    before, after = result["diff"]["before"], result["diff"]["after"]
    assert (before["idle_timeout"], after["idle_timeout"]) == (60, 120)
    assert after["security_groups"] == sorted(world["groups"]) and after["subnets"] == sorted(world["subnets"])
    assert after["tags"] == {"App": "a", "Env": "qa"}
    assert result["load_balancer"]["dns_name"] == state["dns_name"]


def test_modify_changes_subnets_groups_timeout_and_tags_and_keeps_the_listener(steps, world):
    result, state = steps["modify"]
    assert result["changed"] is True
    assert state["arn"] == steps["create"][1]["arn"]
    assert state["subnets"] == sorted(world["subnets"]) and state["security_groups"] == sorted(world["groups"])
    assert state["idle_timeout"] == "120"
    assert state["tags"] == {"App": "a", "Env": "qa"}
    assert state["listeners"] == [80]


def test_modify_again_changes_nothing_and_keeps_the_listener(steps):
    result, state = steps["modify_again"]
    assert result["changed"] is False
    assert state == steps["modify"][1]


def test_a_scheme_change_fails_naming_the_field_and_changes_nothing(steps):
    result, state = steps["scheme_change"]
    assert result.get("failed") is True
    assert "must be replaced to change scheme" in result["msg"]
    assert state == steps["modify"][1]


def test_deletion_protection_is_turned_on(steps):
    result, state = steps["protect"]
    assert result["changed"] is True
    assert state["deletion_protection"] == "true"


def test_delete_of_a_protected_load_balancer_fails_and_deletes_nothing(steps):
    result, state = steps["delete_protected"]
    assert result.get("failed") is True
    assert "deletion_protection: false" in result["msg"]
    assert state == steps["protect"][1]


def test_delete_in_check_mode_reports_a_change_and_changes_nothing(steps):
    result, state = steps["delete_protected_check"]
    assert result["changed"] is True
    assert state == steps["protect"][1]
    assert result["diff"]["after"] == {} and result["diff"]["before"]["deletion_protection"] is True


def test_delete_turns_protection_off_and_removes_the_load_balancer(steps):
    result, state = steps["delete"]
    assert result["changed"] is True
    assert state is None


def test_delete_again_changes_nothing(steps):
    assert steps["delete_again"][0]["changed"] is False
