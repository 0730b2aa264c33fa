"""nestjs_playground.infra.log_group against the local AWS endpoint, in the amazon.aws pattern: create /
modify / delete, each in check mode, for real, and again; through the recording proxy, so that check
mode is proved to make no mutating call; the real state read with boto3 after each step."""

import pytest

pytestmark = pytest.mark.integration

NAME = "/ecs/module-test"
MODULE = "nestjs_playground.infra.log_group"
CREATE = {"name": NAME, "retention": 7, "tags": {"App": "a", "Env": "dev", "Owner": "o"}}
MODIFY = {"name": NAME, "retention": 14, "tags": {"App": "a", "Env": "qa"}}
DELETE = {"name": NAME, "state": "absent"}


def observe(logs):
    """What the emulator holds for the log group, or None."""
    groups = [g for g in logs.describe_log_groups(logGroupNamePrefix=NAME)["logGroups"] if g["logGroupName"] == NAME]
    if not groups:
        return None
    arn = groups[0]["arn"].rsplit(":*", 1)[0]
    return {"retention": groups[0].get("retentionInDays"), "tags": logs.list_tags_for_resource(resourceArn=arn)["tags"]}


@pytest.fixture(scope="module")
def steps(ansible_recorded, recorded):
    logs = ansible_recorded.client("logs")
    out = {}
    for name, args, check in (
        ("create_check", CREATE, True), ("create", CREATE, False), ("create_again", CREATE, False),
        ("modify_check", MODIFY, True), ("modify", MODIFY, False), ("modify_again", MODIFY, False),
        ("leave_alone", {"name": NAME}, False),
        ("delete_check", DELETE, True), ("delete", DELETE, False), ("delete_again", DELETE, False),
    ):
        mark = recorded.mark()
        result = ansible_recorded.module(MODULE, args, check=check, diff=True)
        out[name] = (result, observe(logs), recorded.mutating_calls(mark))
    return out


@pytest.mark.parametrize("step", ["create_check", "modify_check", "delete_check"])
def test_check_mode_reports_the_change_and_makes_no_mutating_call(steps, step):
    result, _, writes = steps[step]
    assert result.get("failed") is not True, result
    assert result["changed"] is True
    assert writes == []


def test_check_mode_on_a_missing_log_group_creates_nothing(steps):
    assert steps["create_check"][1] is None
    assert steps["create_check"][0]["diff"] == {"before": {}, "after": {"retention_in_days": 7, "tags": CREATE["tags"]}}


def test_create_makes_the_log_group_with_its_retention_and_tags(steps):
    result, state, _ = steps["create"]
    assert result["changed"] is True
    assert state == {"retention": 7, "tags": CREATE["tags"]}
    assert result["log_group"]["arn"].endswith(f":log-group:{NAME}")
    assert result["diff"] == steps["create_check"][0]["diff"]


@pytest.mark.parametrize("step", ["create_again", "modify_again", "leave_alone", "delete_again"])
def test_running_again_changes_nothing_and_writes_nothing(steps, step):
    result, _, writes = steps[step]
    assert result["changed"] is False, result
    assert writes == []


def test_check_mode_on_a_change_shows_it_and_leaves_the_log_group_as_it_was(steps):
    result, state, _ = steps["modify_check"]
    assert result["diff"]["before"] == {"retention_in_days": 7, "tags": CREATE["tags"]}
    assert result["diff"]["after"] == {"retention_in_days": 14, "tags": MODIFY["tags"]}
    assert state == {"retention": 7, "tags": CREATE["tags"]}


def test_modify_changes_the_retention_and_the_tags_exactly_as_check_mode_said(steps):
    result, state, writes = steps["modify"]
    assert result["changed"] is True
    assert result["diff"] == steps["modify_check"][0]["diff"]
    assert state == {"retention": 14, "tags": MODIFY["tags"]}
    assert {call.action for call in writes} == {"PutRetentionPolicy", "TagResource", "UntagResource"}


def test_without_retention_or_tags_the_log_group_is_left_alone(steps):
    assert steps["leave_alone"][1] == {"retention": 14, "tags": MODIFY["tags"]}


def test_delete_in_check_mode_keeps_it_and_delete_removes_it(steps):
    assert steps["delete_check"][1] is not None
    assert steps["delete"][0]["changed"] is True
    assert steps["delete"][1] is None


def test_a_retention_aws_does_not_offer_is_refused_before_any_call(ansible_recorded, recorded):
    mark = recorded.mark()
    result = ansible_recorded.module(MODULE, {"name": NAME, "retention": 10})
    assert result.get("failed") is True
    assert "retention" in result["msg"] and "14" in result["msg"]
    assert recorded.calls(mark) == []
