"""nestjs_playground.infra.route53_alias_record against the local AWS endpoint, in the amazon.aws pattern: create
/ modify / delete, each in check mode, for real, and again; through the recording proxy, so that check mode
is proved to make no mutating call; the real state read with boto3 after each step."""

import pytest

pytestmark = pytest.mark.integration

MODULE = "nestjs_playground.infra.route53_alias_record"
NAME = "api.module-test.example.com"
TARGET = "module-test-alb-1.us-east-1.elb.amazonaws.com"


def observe(route53, zone):
    """The record's alias target as the emulator holds it, or None."""
    for record in route53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]:
        if record["Name"] == NAME + "." and record["Type"] == "A":
            return record.get("AliasTarget") or record.get("ResourceRecords")
    return None


@pytest.fixture(scope="module")
def steps(ansible_recorded, recorded):
    route53 = ansible_recorded.client("route53")
    zone = route53.create_hosted_zone(Name="module-test.example.com", CallerReference="route53-alias-module")["HostedZone"]["Id"]
    zone = zone.rsplit("/", 1)[-1]
    create = {"hosted_zone_id": zone, "name": NAME, "alias_dns_name": TARGET, "alias_hosted_zone_id": "Z35SXDOTRQ7X7K"}
    modify = dict(create, alias_dns_name="module-test-alb-2.us-east-1.elb.amazonaws.com")
    delete = {"hosted_zone_id": zone, "name": NAME, "state": "absent"}
    out = {}
    for name, args, check in (
        ("create_check", create, True), ("create", create, False), ("create_again", create, False),
        ("same_in_capitals", dict(create, name=NAME.upper(), alias_dns_name=TARGET.upper() + "."), False),
        ("modify_check", modify, True), ("modify", modify, False), ("modify_again", modify, False),
        ("delete_check", delete, True), ("delete", delete, False), ("delete_again", delete, False),
    ):
        mark = recorded.mark()
        result = ansible_recorded.module(MODULE, args, check=check, diff=True)
        out[name] = (result, observe(route53, zone), recorded.mutating_calls(mark))
    return out


@pytest.mark.parametrize("step", ["create_check", "modify_check", "delete_check"])
def test_check_mode_reports_the_change_and_makes_no_mutating_call(steps, step):
    result, _, writes = steps[step]
    assert result.get("failed") is not True, result
    assert result["changed"] is True
    assert writes == []


def test_create_points_the_name_at_the_target_as_check_mode_said(steps):
    assert steps["create_check"][1] is None
    result, state, writes = steps["create"]
    assert result["changed"] is True and result["diff"] == steps["create_check"][0]["diff"]
    assert state["DNSName"].rstrip(".").lower() == TARGET and state["HostedZoneId"] == "Z35SXDOTRQ7X7K"
    assert [call.action for call in writes] == ["ChangeResourceRecordSets"]


@pytest.mark.parametrize("step", ["create_again", "same_in_capitals", "modify_again", "delete_again"])
def test_running_again_changes_nothing_and_writes_nothing(steps, step):
    result, _, writes = steps[step]
    assert result.get("failed") is not True, result
    assert result["changed"] is False, result
    assert writes == []


def test_another_target_is_shown_in_check_mode_then_replaces_the_old_one(steps):
    check, state, _ = steps["modify_check"]
    assert (check["diff"]["before"]["alias_dns_name"], check["diff"]["after"]["alias_dns_name"]) == (
        TARGET, "module-test-alb-2.us-east-1.elb.amazonaws.com")
    assert state["DNSName"].rstrip(".").lower() == TARGET
    result, state, _ = steps["modify"]
    assert result["diff"] == check["diff"]
    assert state["DNSName"].rstrip(".").lower() == "module-test-alb-2.us-east-1.elb.amazonaws.com"


def test_delete_in_check_mode_keeps_it_and_delete_removes_it(steps):
    assert steps["delete_check"][1] is not None
    assert steps["delete"][0]["changed"] is True and steps["delete"][1] is None
