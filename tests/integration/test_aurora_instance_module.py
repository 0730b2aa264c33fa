"""nestjs_playground.infra.aurora_instance against the local AWS endpoint, in the amazon.aws pattern: create /
modify / delete, each in check mode, for real, and again; through the recording proxy, so that check mode
is proved to make no mutating call; the real state read with boto3 after each step."""

import pytest

pytestmark = pytest.mark.integration

CLUSTER = "module-test-cluster"
ID = f"{CLUSTER}-writer"
MODULE = "nestjs_playground.infra.aurora_instance"
TAGS = {"App": "a", "Env": "dev"}
CREATE = {"db_instance_identifier": ID, "db_cluster_identifier": CLUSTER, "promotion_tier": 0,
          "publicly_accessible": False, "tags": TAGS}
MODIFY = {"db_instance_identifier": ID, "db_cluster_identifier": CLUSTER, "promotion_tier": 1, "tags": {"App": "a", "Env": "qa"}}
DELETE = {"db_instance_identifier": ID, "state": "absent"}


def observe(rds):
    """What the emulator holds for the instance, or None."""
    instances = [i for i in rds.describe_db_instances()["DBInstances"] if i["DBInstanceIdentifier"] == ID]
    if not instances:
        return None
    instance = instances[0]
    tags = {t["Key"]: t["Value"] for t in rds.list_tags_for_resource(ResourceName=instance["DBInstanceArn"])["TagList"]}
    return {"cluster": instance["DBClusterIdentifier"], "class": instance["DBInstanceClass"],
            "promotion_tier": instance.get("PromotionTier"), "tags": tags}


@pytest.fixture(scope="module")
def steps(ansible_recorded, recorded):
    rds = ansible_recorded.client("rds")
    rds.create_db_cluster(DBClusterIdentifier=CLUSTER, Engine="aurora-postgresql", MasterUsername="app",
                          MasterUserPassword="not-a-real-password-1")
    out = {}
    for name, args, check in (
        ("create_check", CREATE, True), ("create", CREATE, False), ("create_again", CREATE, False),
        ("modify_check", MODIFY, True), ("modify", MODIFY, False), ("modify_again", MODIFY, False),
        ("leave_alone", {"db_instance_identifier": ID, "db_cluster_identifier": CLUSTER}, False),
        ("other_cluster", dict(CREATE, db_cluster_identifier="another-cluster"), False),
        ("delete_check", DELETE, True), ("delete", DELETE, False), ("delete_again", DELETE, False),
    ):
        mark = recorded.mark()
        result = ansible_recorded.module(MODULE, args, check=check, diff=True)
        out[name] = (result, observe(rds), recorded.mutating_calls(mark))
    return out


@pytest.mark.parametrize("step", ["create_check", "modify_check", "delete_check"])
def test_check_mode_reports_the_change_and_makes_no_mutating_call(steps, step):
    result, _, writes = steps[step]
    assert result.get("failed") is not True, result
    assert result["changed"] is True
    assert writes == []


def test_check_mode_on_a_missing_instance_creates_nothing_and_shows_it(steps):
    result, state, _ = steps["create_check"]
    assert state is None
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"] == {"db_cluster_identifier": CLUSTER, "engine": "aurora-postgresql",
                                       "db_instance_class": "db.serverless", "promotion_tier": 0,
                                       "publicly_accessible": False, "tags": TAGS}


def test_create_makes_the_serverless_instance_in_its_cluster_as_check_mode_said(steps):
    result, state, writes = steps["create"]
    assert result["changed"] is True
    assert state == {"cluster": CLUSTER, "class": "db.serverless", "promotion_tier": 0, "tags": TAGS}
    assert result["diff"] == steps["create_check"][0]["diff"]
    assert result["instance"]["status"] == "available" and result["instance"]["arn"].endswith(f":db:{ID}")
    assert [call.action for call in writes] == ["CreateDBInstance"]


@pytest.mark.parametrize("step", ["create_again", "modify_again", "leave_alone", "delete_again"])
def test_running_again_changes_nothing_and_writes_nothing(steps, step):
    result, _, writes = steps[step]
    assert result.get("failed") is not True, result
    assert result["changed"] is False, result
    assert writes == []


def test_check_mode_on_a_change_shows_it_and_leaves_the_instance_as_it_was(steps):
    result, state, _ = steps["modify_check"]
    assert (result["diff"]["before"]["promotion_tier"], result["diff"]["after"]["promotion_tier"]) == (0, 1)
    assert (result["diff"]["before"]["tags"], result["diff"]["after"]["tags"]) == (TAGS, MODIFY["tags"])
    assert state["promotion_tier"] == 0 and state["tags"] == TAGS


def test_modify_changes_the_tier_and_the_tags_in_place_as_check_mode_said(steps):
    result, state, writes = steps["modify"]
    assert result["changed"] is True and result["diff"] == steps["modify_check"][0]["diff"]
    assert state == {"cluster": CLUSTER, "class": "db.serverless", "promotion_tier": 1, "tags": MODIFY["tags"]}
    assert {call.action for call in writes} == {"ModifyDBInstance", "AddTagsToResource"}


def test_an_instance_of_another_cluster_is_refused_and_left_alone(steps):
    result, state, writes = steps["other_cluster"]
    assert result["failed"] is True
    assert f"belongs to the DB cluster {CLUSTER}, not another-cluster" in result["msg"]
    assert writes == [] and state["cluster"] == CLUSTER


def test_delete_in_check_mode_keeps_it_and_delete_removes_it(steps):
    assert steps["delete_check"][1] is not None
    assert steps["delete"][0]["changed"] is True and steps["delete"][1] is None
    assert [call.action for call in steps["delete"][2]] == ["DeleteDBInstance"]


def test_a_present_instance_needs_its_cluster_before_any_call(ansible_recorded, recorded):
    mark = recorded.mark()
    result = ansible_recorded.module(MODULE, {"db_instance_identifier": ID})
    assert result["failed"] is True and "db_cluster_identifier" in result["msg"]
    assert recorded.calls(mark) == []
