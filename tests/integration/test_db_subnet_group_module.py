"""nestjs_playground.infra.db_subnet_group against the local AWS endpoint, in the amazon.aws pattern: create /
modify / delete, each in check mode, for real, and again; through the recording proxy, so that check mode
is proved to make no mutating call; the real state read with boto3 after each step."""

import pytest

from conftest import vpc_with_subnets

pytestmark = pytest.mark.integration

NAME = "module-test-db"
MODULE = "nestjs_playground.infra.db_subnet_group"
TAGS = {"App": "a", "Env": "dev"}


def observe(rds):
    """What the emulator holds for the group, or None."""
    groups = [g for g in rds.describe_db_subnet_groups()["DBSubnetGroups"] if g["DBSubnetGroupName"] == NAME]
    if not groups:
        return None
    tags = {t["Key"]: t["Value"] for t in rds.list_tags_for_resource(ResourceName=groups[0]["DBSubnetGroupArn"])["TagList"]}
    return {"description": groups[0]["DBSubnetGroupDescription"],
            "subnets": sorted(s["SubnetIdentifier"] for s in groups[0]["Subnets"]), "tags": tags}


@pytest.fixture(scope="module")
def steps(ansible_recorded, recorded):
    rds, ec2 = ansible_recorded.client("rds"), ansible_recorded.client("ec2")
    _, subnets = vpc_with_subnets(ec2, 77, zones="abc")
    create = {"name": NAME, "description": "private subnets", "subnets": subnets[:2], "tags": TAGS}
    retag = dict(create, tags={"App": "a"})
    modify = dict(retag, subnets=[subnets[2], subnets[0]])
    delete = {"name": NAME, "state": "absent"}
    out = {"subnets": subnets}
    # The subnet change goes last: the emulator loses a group it modifies (docs/emulator-gaps.md).
    for name, args, check in (
        ("create_check", create, True), ("create", create, False), ("create_again", create, False),
        ("reordered", dict(create, subnets=list(reversed(subnets[:2]))), False),
        ("retag_check", retag, True), ("retag", retag, False), ("retag_again", retag, False),
        ("modify_check", modify, True),
        ("delete_check", delete, True), ("delete", delete, False), ("delete_again", delete, False),
        ("recreate", retag, False), ("modify", modify, False),
    ):
        mark = recorded.mark()
        result = ansible_recorded.module(MODULE, args, check=check, diff=True)
        out[name] = (result, observe(rds), recorded.mutating_calls(mark))
    return out


@pytest.mark.parametrize("step", ["create_check", "retag_check", "modify_check", "delete_check"])
def test_check_mode_reports_the_change_and_makes_no_mutating_call(steps, step):
    result, _, writes = steps[step]
    assert result.get("failed") is not True, result
    assert result["changed"] is True
    assert writes == []


def test_create_makes_the_group_as_check_mode_said(steps):
    assert steps["create_check"][1] is None
    result, state, writes = steps["create"]
    assert result["changed"] is True and result["diff"] == steps["create_check"][0]["diff"]
    assert state == {"description": "private subnets", "subnets": sorted(steps["subnets"][:2]), "tags": TAGS}
    assert result["subnet_group"]["vpc_id"].startswith("vpc-")
    assert [call.action for call in writes] == ["CreateDBSubnetGroup"]


@pytest.mark.parametrize("step", ["create_again", "reordered", "retag_again", "delete_again"])
def test_running_again_changes_nothing_and_writes_nothing(steps, step):
    result, _, writes = steps[step]
    assert result.get("failed") is not True, result
    assert result["changed"] is False, result
    assert writes == []


def test_tags_are_converged_in_place_as_check_mode_said(steps):
    check, state, _ = steps["retag_check"]
    assert (check["diff"]["before"]["tags"], check["diff"]["after"]["tags"]) == (TAGS, {"App": "a"})
    assert state["tags"] == TAGS
    result, state, writes = steps["retag"]
    assert result["diff"] == check["diff"] and state["tags"] == {"App": "a"}
    assert [call.action for call in writes] == ["RemoveTagsFromResource"]


def test_a_changed_subnet_list_is_shown_in_check_mode_and_sent_as_one_modify_request(steps):
    check, state, _ = steps["modify_check"]
    assert check["diff"]["before"]["subnet_ids"] == sorted(steps["subnets"][:2])
    assert check["diff"]["after"]["subnet_ids"] == sorted([steps["subnets"][2], steps["subnets"][0]])
    assert state["subnets"] == sorted(steps["subnets"][:2])
    result, _, writes = steps["modify"]
    assert result["changed"] is True and result["diff"] == check["diff"]
    assert [call.action for call in writes] == ["ModifyDBSubnetGroup"]   # its parameters: the unit test (Stubber)


def test_delete_in_check_mode_keeps_it_and_delete_removes_it(steps):
    assert steps["delete_check"][1] is not None
    assert steps["delete"][0]["changed"] is True and steps["delete"][1] is None
    assert steps["recreate"][0]["changed"] is True and steps["recreate"][1] is not None


def test_a_present_group_needs_its_subnets_before_any_call(ansible_recorded, recorded):
    mark = recorded.mark()
    result = ansible_recorded.module(MODULE, {"name": NAME, "description": "x"})
    assert result["failed"] is True and "subnets" in result["msg"]
    assert recorded.calls(mark) == []
