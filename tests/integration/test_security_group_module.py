"""nestjs_playground.infra.security_group against the local AWS endpoint, in the amazon.aws pattern: create /
modify / delete, each in check mode, for real, and again; through the recording proxy, so that check mode is
proved to make no mutating call and a run that changes nothing to make one read; the real state read with
boto3 after each step."""

import pytest

from conftest import vpc_with_subnets

pytestmark = pytest.mark.integration

MODULE = "nestjs_playground.infra.security_group"
NAME = "sg-module-test-db"
SOURCE = "sg-module-test-app"
TAGS = {"App": "a", "Env": "dev", "Name": NAME}


def observe(ec2, vpc, name=NAME):
    """What the emulator holds for the group: description, rules as (protocol, port, source, description), tags."""
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                                   {"Name": "group-name", "Values": [name]}])["SecurityGroups"]
    if not groups:
        return None
    rules = set()
    for permission in groups[0]["IpPermissions"]:
        for key, source_key in (("IpRanges", "CidrIp"), ("Ipv6Ranges", "CidrIpv6"), ("UserIdGroupPairs", "GroupId")):
            for source in permission.get(key, []):
                rules.add((permission["IpProtocol"], permission.get("FromPort"), source[source_key], source.get("Description")))
    return {"id": groups[0]["GroupId"], "description": groups[0]["Description"], "rules": rules,
            "tags": {tag["Key"]: tag["Value"] for tag in groups[0].get("Tags", [])}}


@pytest.fixture(scope="module")
def scenario(ansible_recorded, recorded):
    ec2 = ansible_recorded.client("ec2")
    vpc, _ = vpc_with_subnets(ec2, 61)
    create = {"name": NAME, "description": "the database", "vpc_id": vpc, "tags": TAGS, "ingress": [
        {"ports": [5432], "source_group_name": SOURCE, "source_group_description": "the application"},
        {"ports": [80, 443], "cidr_ipv4": "0.0.0.0/0", "description": "web"},
    ]}
    modify = {"name": NAME, "description": "the database", "vpc_id": vpc, "tags": {"App": "a", "Env": "qa"}, "ingress": [
        {"ports": [5432], "source_group_name": SOURCE, "source_group_description": "the application"},
        {"ports": [443], "cidr_ipv4": "0.0.0.0/0", "description": "web, TLS only"},
        {"ports": [443], "cidr_ipv6": "::/0"},
    ]}
    delete = {"name": NAME, "vpc_id": vpc, "state": "absent"}
    steps, sources = {}, {}
    for name, args, check in (
        ("create_check", create, True), ("create", create, False), ("create_again", create, False),
        ("modify_check", modify, True), ("modify", modify, False), ("modify_again", modify, False),
        ("leave_alone", {"name": NAME, "vpc_id": vpc}, False),
        ("delete_check", delete, True), ("delete", delete, False), ("delete_again", delete, False),
    ):
        mark = recorded.mark()
        result = ansible_recorded.module(MODULE, args, check=check, diff=True)
        steps[name] = (result, observe(ec2, vpc), recorded.calls(mark), recorded.mutating_calls(mark))
        sources[name] = observe(ec2, vpc, SOURCE)
    return {"steps": steps, "sources": sources, "vpc": vpc, "ec2": ec2}


@pytest.mark.parametrize("step", ["create_check", "modify_check", "delete_check"])
def test_check_mode_reports_the_change_and_makes_no_mutating_call(scenario, step):
    result, _, _, writes = scenario["steps"][step]
    assert result.get("failed") is not True, result
    assert result["changed"] is True
    assert writes == []


def test_check_mode_on_a_missing_group_creates_nothing_and_names_the_group_it_would_create(scenario):
    result, state, _, _ = scenario["steps"]["create_check"]
    assert state is None and scenario["sources"]["create_check"] is None
    assert result["group_id"] is None
    assert result["diff"]["before"] == {}
    assert {"protocol": "tcp", "from_port": 5432, "to_port": 5432, "group_name": SOURCE, "description": None} in (
        result["diff"]["after"]["ingress"])


def test_create_makes_the_group_its_rules_and_tags_and_the_group_it_admits(scenario):
    result, state, _, writes = scenario["steps"]["create"]
    source = scenario["sources"]["create"]
    assert result["changed"] is True and result["group_id"] == state["id"]
    assert state["description"] == "the database" and state["tags"] == TAGS
    assert state["rules"] == {("tcp", 5432, source["id"], None), ("tcp", 80, "0.0.0.0/0", "web"), ("tcp", 443, "0.0.0.0/0", "web")}
    assert source["description"] == "the application"
    # Two groups created (tags with the group), one call for all the rules.
    assert sorted(call.action for call in writes) == ["AuthorizeSecurityGroupIngress", "CreateSecurityGroup", "CreateSecurityGroup"]


@pytest.mark.parametrize("step", ["create_again", "modify_again", "leave_alone"])
def test_running_again_changes_nothing_with_one_read(scenario, step):
    result, _, calls, _ = scenario["steps"][step]
    assert result["changed"] is False, result
    assert [call.action for call in calls] == ["DescribeSecurityGroups"]


def test_delete_again_changes_nothing_and_writes_nothing(scenario):
    result, _, _, writes = scenario["steps"]["delete_again"]
    assert result["changed"] is False and writes == []


def test_check_mode_on_a_change_shows_it_and_leaves_the_group_as_it_was(scenario):
    result, state, _, _ = scenario["steps"]["modify_check"]
    assert state == scenario["steps"]["create"][1]
    assert result["diff"]["before"]["tags"] == TAGS and result["diff"]["after"]["tags"] == {"App": "a", "Env": "qa"}


def test_modify_makes_exactly_the_change_check_mode_showed(scenario):
    result, state, _, writes = scenario["steps"]["modify"]
    source = scenario["sources"]["modify"]
    assert result["changed"] is True
    assert result["diff"] == scenario["steps"]["modify_check"][0]["diff"]
    assert state["rules"] == {("tcp", 5432, source["id"], None), ("tcp", 443, "0.0.0.0/0", "web, TLS only"),
                              ("tcp", 443, "::/0", None)}
    assert state["tags"] == {"App": "a", "Env": "qa"}
    # One revoke (port 80), one authorize (IPv6), and the new description written in place (which rules each
    # call carries is unit-tested: tests/unit/plugins/modules/test_security_group.py).
    assert sorted(call.action for call in writes) == [
        "AuthorizeSecurityGroupIngress", "CreateTags", "DeleteTags", "RevokeSecurityGroupIngress",
        "UpdateSecurityGroupRuleDescriptionsIngress"]


def test_without_ingress_or_tags_the_group_is_left_alone(scenario):
    assert scenario["steps"]["leave_alone"][1] == scenario["steps"]["modify"][1]


def test_delete_in_check_mode_keeps_it_and_delete_removes_it_alone(scenario):
    assert scenario["steps"]["delete_check"][1] is not None
    assert scenario["steps"]["delete"][0]["changed"] is True
    assert scenario["steps"]["delete"][1] is None
    assert scenario["sources"]["delete"] is not None   # the group it admitted is not its own


def test_a_missing_group_without_a_description_to_create_it_fails_before_any_change(scenario, ansible_recorded, recorded):
    mark = recorded.mark()
    result = ansible_recorded.module(MODULE, {"name": "sg-module-test-other", "vpc_id": scenario["vpc"], "ingress": [
        {"ports": [5432], "source_group_name": "sg-module-test-nobody"}], "description": "other"})
    assert result.get("failed") is True
    assert "sg-module-test-nobody" in result["msg"] and "source_group_description" in result["msg"]
    assert recorded.mutating_calls(mark) == []


def test_a_rule_with_two_sources_is_refused_before_any_call(scenario, ansible_recorded, recorded):
    mark = recorded.mark()
    result = ansible_recorded.module(MODULE, {"name": NAME, "vpc_id": scenario["vpc"], "description": "x", "ingress": [
        {"ports": [80], "cidr_ipv4": "0.0.0.0/0", "cidr_ipv6": "::/0"}]})
    assert result.get("failed") is True
    assert "ingress[0]" in result["msg"] and "cidr_ipv4, cidr_ipv6" in result["msg"]
    assert recorded.calls(mark) == []
