"""nestjs_playground.infra.db_endpoint_secret against the local AWS endpoint, in the amazon.aws pattern: create /
modify / delete, each in check mode, for real, and again; through the recording proxy, so that check mode
is proved to make no mutating call; the real state read with boto3 after each step."""

import json

import pytest

pytestmark = pytest.mark.integration

NAME = "module-test-db-read-replica"
MODULE = "nestjs_playground.infra.db_endpoint_secret"
TAGS = {"App": "a", "Env": "dev"}
CREATE = {"name": NAME, "host": "reader-1.example.com", "description": "Reader endpoint", "tags": TAGS}
MODIFY = {"name": NAME, "host": "reader-2.example.com", "tags": {"App": "a"}}
DELETE = {"name": NAME, "state": "absent", "recovery_window_in_days": 0}


def observe(sm):
    """What the emulator holds for the secret, or None."""
    found = [s for s in sm.list_secrets(IncludePlannedDeletion=True)["SecretList"] if s["Name"] == NAME]
    if not found:
        return None
    if found[0].get("DeletedDate"):
        return {"scheduled_for_deletion": True}
    return {"value": json.loads(sm.get_secret_value(SecretId=NAME)["SecretString"]), "description": found[0].get("Description"),
            "tags": {t["Key"]: t["Value"] for t in found[0].get("Tags", [])}}


@pytest.fixture(scope="module")
def steps(ansible_recorded, recorded):
    sm = ansible_recorded.client("secretsmanager")
    out = {}
    for name, args, check in (
        ("create_check", CREATE, True), ("create", CREATE, False), ("create_again", CREATE, False),
        ("modify_check", MODIFY, True), ("modify", MODIFY, False), ("modify_again", MODIFY, False),
        ("schedule_deletion", {"name": NAME, "state": "absent", "recovery_window_in_days": 7}, False),
        ("restore_check", MODIFY, True), ("restore", MODIFY, False), ("restore_again", MODIFY, False),
        ("delete_check", DELETE, True), ("delete", DELETE, False), ("delete_again", DELETE, False),
    ):
        mark = recorded.mark()
        result = ansible_recorded.module(MODULE, args, check=check, diff=True)
        out[name] = (result, observe(sm), recorded.mutating_calls(mark))
    return out


@pytest.mark.parametrize("step", ["create_check", "modify_check", "restore_check", "delete_check"])
def test_check_mode_reports_the_change_and_makes_no_mutating_call(steps, step):
    result, _, writes = steps[step]
    assert result.get("failed") is not True, result
    assert result["changed"] is True
    assert writes == []


def test_create_stores_the_host_as_check_mode_said(steps):
    assert steps["create_check"][1] is None
    result, state, writes = steps["create"]
    assert result["changed"] is True and result["diff"] == steps["create_check"][0]["diff"]
    assert state == {"value": {"host": "reader-1.example.com"}, "description": "Reader endpoint", "tags": TAGS}
    assert result["secret"]["arn"].startswith("arn:aws:secretsmanager:")
    assert [call.action for call in writes] == ["CreateSecret"]


@pytest.mark.parametrize("step", ["create_again", "modify_again", "restore_again", "delete_again"])
def test_running_again_changes_nothing_and_writes_nothing(steps, step):
    result, _, writes = steps[step]
    assert result.get("failed") is not True, result
    assert result["changed"] is False, result
    assert writes == []


def test_another_host_is_shown_in_check_mode_then_put(steps):
    check, state, _ = steps["modify_check"]
    assert (check["diff"]["before"]["host"], check["diff"]["after"]["host"]) == ("reader-1.example.com", "reader-2.example.com")
    assert state["value"] == {"host": "reader-1.example.com"}
    result, state, writes = steps["modify"]
    assert result["diff"] == check["diff"]
    assert state == {"value": {"host": "reader-2.example.com"}, "description": "Reader endpoint", "tags": {"App": "a"}}
    assert {call.action for call in writes} == {"PutSecretValue", "UntagResource"}


def test_a_secret_scheduled_for_deletion_is_restored_and_converged(steps):
    assert steps["schedule_deletion"][1] == {"scheduled_for_deletion": True}
    assert steps["restore_check"][1] == {"scheduled_for_deletion": True}
    result, state, writes = steps["restore"]
    assert result["changed"] is True and state["value"] == {"host": "reader-2.example.com"}
    assert [call.action for call in writes] == ["RestoreSecret"]


def test_delete_without_recovery_window_removes_it_at_once(steps):
    assert steps["delete_check"][1] is not None
    assert steps["delete"][0]["changed"] is True and steps["delete"][1] is None
