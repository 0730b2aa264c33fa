"""nestjs_playground.infra.aurora_cluster against the local AWS endpoint, in the amazon.aws pattern:
create / modify / delete, each in check mode, for real and again; scale to zero, security groups as a
set, a creation-only field, an older engine version, deletion protection and a cluster with instances
(also as destroy.yml deletes one: instances deleted by earlier tasks, protection turned off, a final
snapshot); the real state is read with boto3 after each step."""

import json

import pytest

from conftest import vpc_with_subnets

pytestmark = pytest.mark.integration

MODULE = "nestjs_playground.infra.aurora_cluster"
NAME = "aurora-module-test"
INSTANCE = "aurora-module-test-1"
SUBNET_GROUP = "aurora-module-test-db"
PASSWORD = "Aurora-Module-Test_Passw0rd.9z"
TAGS = {"App": "a", "Env": "dev"}
SNAPSHOT = "aurora-module-test-final"


def observe(rds):
    """What the emulator holds for the cluster, or None."""
    try:
        (cluster,) = rds.describe_db_clusters(DBClusterIdentifier=NAME)["DBClusters"]
    except rds.exceptions.DBClusterNotFoundFault:
        return None
    return {
        "engine": cluster["Engine"],
        "engine_version": cluster["EngineVersion"],
        "database_name": cluster.get("DatabaseName"),
        "master_username": cluster["MasterUsername"],
        "db_subnet_group": cluster.get("DBSubnetGroup"),
        "storage_encrypted": cluster["StorageEncrypted"],
        "security_groups": sorted(g["VpcSecurityGroupId"] for g in cluster["VpcSecurityGroups"]),
        "backup_retention_period": cluster["BackupRetentionPeriod"],
        "deletion_protection": cluster["DeletionProtection"],
        "copy_tags_to_snapshot": cluster["CopyTagsToSnapshot"],
        "scaling": cluster.get("ServerlessV2ScalingConfiguration"),
        "tags": {t["Key"]: t["Value"] for t in cluster.get("TagList", [])},
        "members": [m["DBInstanceIdentifier"] for m in cluster.get("DBClusterMembers", [])],
        "port": cluster["Port"],
    }


@pytest.fixture(scope="module")
def world(ansible):
    ec2, rds, secrets = ansible.client("ec2"), ansible.client("rds"), ansible.client("secretsmanager")
    vpc, subnets = vpc_with_subnets(ec2, 41, "ab")
    rds.create_db_subnet_group(DBSubnetGroupName=SUBNET_GROUP, DBSubnetGroupDescription="aurora module test", SubnetIds=subnets)
    groups = [ec2.create_security_group(VpcId=vpc, GroupName=f"db-{n}", Description=f"db {n}")["GroupId"] for n in (1, 2)]
    secret = secrets.create_secret(Name="aurora-module-test-credentials",
                                   SecretString=json.dumps({"username": "postgres", "password": PASSWORD}))["ARN"]
    return {"rds": rds, "groups": groups, "secret": secret}


@pytest.fixture(scope="module")
def steps(ansible, world):
    rds = world["rds"]
    sg1, sg2 = world["groups"]
    create = {
        "db_cluster_identifier": NAME, "engine": "aurora-postgresql", "engine_version": "17.5", "database_name": "app",
        "master_username": "postgres", "master_user_password_secret_arn": world["secret"],
        "db_subnet_group_name": SUBNET_GROUP, "vpc_security_group_ids": [sg1], "backup_retention_period": 1,
        "deletion_protection": False, "copy_tags_to_snapshot": True, "min_capacity": 0.5, "max_capacity": 1.0,
        "tags": TAGS,
    }
    modify = dict(create, max_capacity=2.0)
    to_zero = dict(modify, min_capacity=0, seconds_until_auto_pause=600)
    add_group = dict(to_zero, vpc_security_group_ids=[sg1, sg2])
    reorder_groups = dict(to_zero, vpc_security_group_ids=[sg2, sg1])
    protect = dict(add_group, backup_retention_period=7, deletion_protection=True)
    delete = {"db_cluster_identifier": NAME, "state": "absent", "skip_final_snapshot": True}
    # As destroy.yml deletes a protected cluster: protection off, a final snapshot.
    delete_protected = {"db_cluster_identifier": NAME, "state": "absent", "deletion_protection": False,
                        "final_snapshot_identifier": SNAPSHOT}
    after_instance = dict(delete_protected, instances_deleted_first=[INSTANCE])
    out = {}

    def step(name, args, check=False):
        out[name] = (ansible.module(MODULE, args, check=check, diff=True), observe(rds))

    incomplete = {key: value for key, value in create.items() if key not in ("min_capacity", "max_capacity")}
    step("create_incomplete", incomplete)
    step("create_check", create, check=True)
    step("create", create)
    step("create_again", create)
    step("create_again_integer", dict(create, max_capacity=1))
    step("modify_check", modify, check=True)
    step("modify", modify)
    step("modify_again", modify)
    step("scale_to_zero", to_zero)
    step("scale_to_zero_again", to_zero)
    step("add_group", add_group)
    step("reorder_groups", reorder_groups)
    step("protect", protect)
    step("database_name", dict(protect, database_name="other"))
    step("older_engine", dict(protect, engine_version="17.4"))
    step("delete_protected", delete)
    step("unprotect", dict(protect, deletion_protection=False))
    rds.create_db_instance(DBInstanceIdentifier=INSTANCE, DBClusterIdentifier=NAME, Engine="aurora-postgresql",
                           DBInstanceClass="db.serverless")
    step("delete_with_instance", delete)
    step("protect_again", protect)
    step("delete_after_instance_check", after_instance, check=True)
    step("delete_after_instance_still_there", after_instance)
    rds.delete_db_instance(DBInstanceIdentifier=INSTANCE, SkipFinalSnapshot=True)
    step("delete_check", delete_protected, check=True)
    out["snapshots_after_check"] = snapshots(rds)
    step("delete", delete_protected)
    out["snapshots_after_delete"] = snapshots(rds)
    step("delete_again", delete_protected)
    return out


def snapshots(rds):
    """The manual snapshots of the cluster (the emulator also keeps an automated one, docs/emulator-gaps.md)."""
    return sorted(s["DBClusterSnapshotIdentifier"] for s in rds.describe_db_cluster_snapshots(DBClusterIdentifier=NAME)
                  ["DBClusterSnapshots"] if s["SnapshotType"] == "manual")


def test_a_missing_cluster_asked_without_what_creation_needs_fails_naming_it_and_creates_nothing(steps):
    result, state = steps["create_incomplete"]
    assert result.get("failed") is True
    assert NAME in result["msg"] and "does not exist" in result["msg"]
    assert "creating it needs min_capacity, max_capacity" in result["msg"]
    assert state is None


def test_create_in_check_mode_reports_a_change_and_creates_nothing(steps, world):
    result, state = steps["create_check"]
    assert result["changed"] is True
    assert state is None
    assert result["diff"]["before"] == {}
    after = result["diff"]["after"]
    assert after["serverless_v2_scaling_configuration"] == {"min_capacity": 0.5, "max_capacity": 1.0}
    assert "scaling" not in after
    assert after["vpc_security_group_ids"] == [world["groups"][0]]
    assert after["tags"] == TAGS
    assert "db_cluster_arn" not in result["cluster"] and "endpoint" not in result["cluster"]


def test_create_makes_the_cluster_as_asked(steps, world):
    result, state = steps["create"]
    assert result["changed"] is True
    assert state == {
        "engine": "aurora-postgresql", "engine_version": "17.5", "database_name": "app", "master_username": "postgres",
        "db_subnet_group": SUBNET_GROUP, "storage_encrypted": True, "security_groups": [world["groups"][0]],
        "backup_retention_period": 1, "deletion_protection": False, "copy_tags_to_snapshot": True,
        "scaling": {"MinCapacity": 0.5, "MaxCapacity": 1.0}, "tags": TAGS, "members": [], "port": 5432,
    }


def test_create_returns_the_endpoints_and_port(steps):
    cluster = steps["create"][0]["cluster"]
    assert cluster["endpoint"].startswith(NAME + ".")
    assert cluster["reader_endpoint"].startswith(NAME + ".") and cluster["reader_endpoint"] != cluster["endpoint"]
    assert cluster["port"] == 5432
    assert cluster["db_cluster_arn"].endswith(":cluster:" + NAME)
    assert cluster["status"] == "available"


@pytest.mark.parametrize("name", ["create_check", "create", "create_again", "modify", "delete_check"])
def test_no_result_shows_the_master_password(steps, name):
    assert PASSWORD not in json.dumps(steps[name][0])


def test_create_again_changes_nothing(steps):
    result, state = steps["create_again"]
    assert result["changed"] is False
    assert state == steps["create"][1]


def test_create_again_with_an_integer_capacity_changes_nothing(steps):
    result, state = steps["create_again_integer"]
    assert result["changed"] is False
    assert state == steps["create"][1]


def test_modify_in_check_mode_reports_only_the_scaling_diff_and_modifies_nothing(steps):
    result, state = steps["modify_check"]
    assert result["changed"] is True
    assert state == steps["create"][1]
    before, after = result["diff"]["before"], result["diff"]["after"]
    assert set(before) == set(after)
    assert {key for key in before if before[key] != after[key]} == {"serverless_v2_scaling_configuration"}
    assert before["serverless_v2_scaling_configuration"] == {"min_capacity": 0.5, "max_capacity": 1.0}
    assert after["serverless_v2_scaling_configuration"] == {"min_capacity": 0.5, "max_capacity": 2.0}


def test_modify_changes_the_max_capacity(steps):
    result, state = steps["modify"]
    assert result["changed"] is True
    assert state == dict(steps["create"][1], scaling={"MinCapacity": 0.5, "MaxCapacity": 2.0})


def test_modify_again_changes_nothing(steps):
    result, state = steps["modify_again"]
    assert result["changed"] is False
    assert state == steps["modify"][1]


def test_scale_to_zero_sets_min_zero_and_the_auto_pause_delay(steps):
    result, state = steps["scale_to_zero"]
    assert result["changed"] is True
    assert state["scaling"] == {"MinCapacity": 0.0, "MaxCapacity": 2.0, "SecondsUntilAutoPause": 600}
    assert state == dict(steps["modify"][1], scaling=state["scaling"])


def test_scale_to_zero_again_changes_nothing(steps):
    result, state = steps["scale_to_zero_again"]
    assert result["changed"] is False
    assert state == steps["scale_to_zero"][1]


def test_adding_a_security_group_changes_the_cluster(steps, world):
    result, state = steps["add_group"]
    assert result["changed"] is True
    assert state["security_groups"] == sorted(world["groups"])


def test_security_groups_in_another_order_change_nothing(steps):
    result, state = steps["reorder_groups"]
    assert result["changed"] is False
    assert state == steps["add_group"][1]


def test_backup_retention_and_deletion_protection_change_in_one_run(steps):
    result, state = steps["protect"]
    assert result["changed"] is True
    assert (state["backup_retention_period"], state["deletion_protection"]) == (7, True)
    assert state == dict(steps["add_group"][1], backup_retention_period=7, deletion_protection=True)


def test_a_creation_only_field_asked_differently_fails_naming_it_and_modifies_nothing(steps):
    result, state = steps["database_name"]
    assert result.get("failed") is True
    assert "database_name" in result["msg"]
    assert "'other'" in result["msg"] and "'app'" in result["msg"]
    assert state == steps["protect"][1]


def test_an_engine_version_older_than_the_clusters_changes_nothing(steps):
    result, state = steps["older_engine"]
    assert result["changed"] is False
    assert state == steps["protect"][1]
    assert state["engine_version"] == "17.5"


def test_delete_with_deletion_protection_on_fails_and_keeps_the_cluster(steps):
    result, state = steps["delete_protected"]
    assert result.get("failed") is True
    assert "deletion protection" in result["msg"] and "deletion_protection: false" in result["msg"]
    assert state == steps["protect"][1]


def test_turning_deletion_protection_off_changes_the_cluster(steps):
    result, state = steps["unprotect"]
    assert result["changed"] is True
    assert state["deletion_protection"] is False


def test_delete_of_a_cluster_with_instances_fails_naming_them_and_keeps_the_cluster(steps):
    result, state = steps["delete_with_instance"]
    assert result.get("failed") is True
    assert "still has instances" in result["msg"] and INSTANCE in result["msg"]
    assert state is not None and state["members"] == [INSTANCE]


def test_check_mode_does_not_count_instances_an_earlier_task_deletes_and_deletes_nothing(steps):
    result, state = steps["delete_after_instance_check"]
    assert result.get("failed") is not True, result
    assert result["changed"] is True
    assert state == steps["protect_again"][1]
    assert state["members"] == [INSTANCE] and state["deletion_protection"] is True


def test_the_real_run_counts_every_instance_even_one_said_to_be_deleted_first(steps):
    result, state = steps["delete_after_instance_still_there"]
    assert result.get("failed") is True
    assert "still has instances" in result["msg"] and INSTANCE in result["msg"]
    assert state == steps["protect_again"][1]


def test_delete_in_check_mode_reports_a_change_and_the_snapshot_and_deletes_nothing(steps):
    result, state = steps["delete_check"]
    assert result["changed"] is True
    assert state == dict(steps["protect_again"][1], members=[])
    assert state["deletion_protection"] is True
    assert result["final_snapshot_identifier"] == SNAPSHOT
    assert steps["snapshots_after_check"] == []
    assert result["diff"]["after"] == {}
    assert result["diff"]["before"]["deletion_protection"] is True
    assert result["diff"]["before"]["serverless_v2_scaling_configuration"]["max_capacity"] == 2.0


def test_delete_with_deletion_protection_false_turns_it_off_and_removes_the_cluster(steps):
    result, state = steps["delete"]
    assert result["changed"] is True
    assert state is None
    assert result["cluster"] == {}


def test_delete_takes_the_final_snapshot(steps):
    assert steps["delete"][0]["final_snapshot_identifier"] == SNAPSHOT
    assert steps["snapshots_after_delete"] == [SNAPSHOT]


def test_delete_again_changes_nothing(steps):
    result, state = steps["delete_again"]
    assert result["changed"] is False
    assert state is None
