import copy
from datetime import datetime
from datetime import timezone

import pytest

from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import MISSING
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import CHANGED_MEANWHILE
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import ServiceCalls
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import run
from ansible_collections.nestjs_playground.infra.plugins.modules.aurora_cluster import (
    MODIFIABLE,
    Cluster,
    create_only_conflicts,
    current_state,
    deletion_plan,
    desired_scaling,
    desired_state,
    final_snapshot_name,
    instances_pending_reboot,
    modify_arguments,
    parse_restore_time,
    plan_update,
    reboot_warning,
    restore_arguments,
    restore_time_problem,
    restored_view,
    scaling_differs,
    snake_view,
    version_tuple,
)
from ansible_collections.nestjs_playground.infra.tests.unit.plugins.module_utils.test_resource import Failed
from ansible_collections.nestjs_playground.infra.tests.unit.plugins.module_utils.test_resource import FakeModule

CLUSTER_ID = "nestjs-playground-dev"
KMS_KEY_ID = "0a1b2c3d-4e5f-6789-abcd-ef0123456789"
KMS_KEY_ARN = f"arn:aws:kms:us-east-1:123456789012:key/{KMS_KEY_ID}"

DESCRIBED = {
    "DBClusterIdentifier": CLUSTER_ID,
    "DBClusterArn": f"arn:aws:rds:us-east-1:123456789012:cluster:{CLUSTER_ID}",
    "Status": "available",
    "Engine": "aurora-postgresql",
    "EngineVersion": "17.5",
    "DatabaseName": "nestjs_playground",
    "MasterUsername": "postgres",
    "DBSubnetGroup": "nestjs-playground-dev-db",
    "StorageEncrypted": True,
    "KmsKeyId": KMS_KEY_ARN,
    "Port": 5432,
    "BackupRetentionPeriod": 1,
    "PreferredBackupWindow": "03:00-04:00",
    "DeletionProtection": False,
    "CopyTagsToSnapshot": True,
    "DBClusterParameterGroup": "default.aurora-postgresql17",
    "VpcSecurityGroups": [
        {"VpcSecurityGroupId": "sg-0ccc", "Status": "active"},
        {"VpcSecurityGroupId": "sg-0aaa", "Status": "active"},
        {"VpcSecurityGroupId": "sg-0bbb", "Status": "active"},
    ],
    "ServerlessV2ScalingConfiguration": {"MinCapacity": 0.0, "MaxCapacity": 1.0, "SecondsUntilAutoPause": 300},
    "TagList": [{"Key": "App", "Value": "nestjs-playground"}],
}


def described(**overrides):
    """Shaped like one entry of describe_db_clusters()['DBClusters']; a value of MISSING drops the key."""
    cluster = copy.deepcopy(DESCRIBED)
    for key, value in overrides.items():
        if value is MISSING:
            cluster.pop(key, None)
        else:
            cluster[key] = value
    return cluster


def params(**overrides):
    """Module params as AnsibleAWSModule would hand them over: every option present, defaults applied."""
    base = {
        "db_cluster_identifier": CLUSTER_ID,
        "state": "present",
        "engine": "aurora-postgresql",
        "engine_version": None,
        "allow_major_version_upgrade": False,
        "database_name": None,
        "master_username": None,
        "master_user_password_secret_arn": None,
        "db_subnet_group_name": None,
        "vpc_security_group_ids": None,
        "storage_encrypted": True,
        "kms_key_id": None,
        "port": None,
        "backup_retention_period": None,
        "preferred_backup_window": None,
        "deletion_protection": None,
        "copy_tags_to_snapshot": None,
        "db_cluster_parameter_group_name": None,
        "min_capacity": None,
        "max_capacity": None,
        "seconds_until_auto_pause": 300,
        "apply_immediately": True,
        "wait": True,
        "wait_timeout": 1800,
        "skip_final_snapshot": False,
        "final_snapshot_identifier": None,
        "tags": None,
        "purge_tags": True,
    }
    base.update(overrides)
    return base


def matching_params(**overrides):
    """Params asking for exactly what DESCRIBED has."""
    asked = {
        "engine_version": "17.5",
        "database_name": "nestjs_playground",
        "master_username": "postgres",
        "db_subnet_group_name": "nestjs-playground-dev-db",
        "vpc_security_group_ids": ["sg-0aaa", "sg-0bbb", "sg-0ccc"],
        "backup_retention_period": 1,
        "preferred_backup_window": "03:00-04:00",
        "deletion_protection": False,
        "copy_tags_to_snapshot": True,
        "db_cluster_parameter_group_name": "default.aurora-postgresql17",
        "min_capacity": 0.0,
        "max_capacity": 1.0,
    }
    asked.update(overrides)
    return params(**asked)


def fields_for(cluster_overrides=None, **param_overrides):
    return plan_update(desired_state(matching_params(**param_overrides)), current_state(described(**(cluster_overrides or {}))))


# version_tuple -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "older, newer",
    [("17.5", "17.10"), ("17.5", "18.1"), ("9.6", "10.1"), ("17.5", "17.5.1"), ("16.4", "17.0")],
)
def test_version_tuple_orders_versions_numerically_not_as_text(older, newer):
    assert version_tuple(older) < version_tuple(newer)
    assert not version_tuple(newer) < version_tuple(older)


def test_version_tuple_makes_equal_versions_equal():
    assert version_tuple("17.5") == version_tuple("17.5") == (17, 5)


def test_version_tuple_reads_only_the_digits_of_each_part():
    assert version_tuple("8.0.mysql_aurora.3.05.2") == (8, 0, 0, 3, 5, 2)


# desired_scaling ---------------------------------------------------------------------------------

def test_desired_scaling_is_none_when_neither_capacity_is_asked():
    assert desired_scaling(params()) is None


def test_desired_scaling_with_min_zero_adds_the_auto_pause_delay():
    assert desired_scaling(params(min_capacity=0.0, max_capacity=1.0, seconds_until_auto_pause=600)) == {
        "MinCapacity": 0.0,
        "MaxCapacity": 1.0,
        "SecondsUntilAutoPause": 600,
    }


@pytest.mark.parametrize("minimum", [0.5, 1.0, 2])
def test_desired_scaling_with_min_above_zero_leaves_out_the_auto_pause_delay(minimum):
    assert desired_scaling(params(min_capacity=minimum, max_capacity=4.0, seconds_until_auto_pause=600)) == {
        "MinCapacity": minimum,
        "MaxCapacity": 4.0,
    }


def test_desired_scaling_keeps_integer_capacities_as_the_same_numbers():
    scaling = desired_scaling(params(min_capacity=0, max_capacity=1))
    assert scaling == {"MinCapacity": 0, "MaxCapacity": 1, "SecondsUntilAutoPause": 300}
    assert scaling["MinCapacity"] == 0.0 and scaling["MaxCapacity"] == 1.0


@pytest.mark.parametrize(
    "asked, expected",
    [
        ({"max_capacity": 4.0}, {"MaxCapacity": 4.0}),
        ({"min_capacity": 0.5}, {"MinCapacity": 0.5}),
        ({"min_capacity": 0.0, "seconds_until_auto_pause": None}, {"MinCapacity": 0.0}),
    ],
    ids=["only-max", "only-min", "min-zero-without-delay"],
)
def test_desired_scaling_holds_only_the_keys_asked(asked, expected):
    assert desired_scaling(params(**asked)) == expected


# current_state / desired_state -------------------------------------------------------------------

def test_current_state_reads_every_owned_field_from_the_described_cluster():
    assert current_state(described()) == {
        "engine_version": "17.5",
        "backup_retention_period": 1,
        "preferred_backup_window": "03:00-04:00",
        "deletion_protection": False,
        "copy_tags_to_snapshot": True,
        "db_cluster_parameter_group_name": "default.aurora-postgresql17",
        "vpc_security_group_ids": ["sg-0aaa", "sg-0bbb", "sg-0ccc"],
        "port": 5432,
        "scaling": {"MinCapacity": 0.0, "MaxCapacity": 1.0, "SecondsUntilAutoPause": 300},
    }


@pytest.mark.parametrize(
    "cluster_key, field",
    [
        ("EngineVersion", "engine_version"),
        ("BackupRetentionPeriod", "backup_retention_period"),
        ("PreferredBackupWindow", "preferred_backup_window"),
        ("DeletionProtection", "deletion_protection"),
        ("CopyTagsToSnapshot", "copy_tags_to_snapshot"),
        ("DBClusterParameterGroup", "db_cluster_parameter_group_name"),
        ("Port", "port"),
        ("ServerlessV2ScalingConfiguration", "scaling"),
    ],
)
def test_current_state_marks_a_field_the_cluster_does_not_report_as_missing(cluster_key, field):
    state = current_state(described(**{cluster_key: MISSING}))
    assert state[field] is MISSING
    others = {key: value for key, value in state.items() if key != field}
    assert all(value is not MISSING for value in others.values())


def test_current_state_keeps_false_and_zero_values_instead_of_treating_them_as_missing():
    state = current_state(described(DeletionProtection=False, BackupRetentionPeriod=0))
    assert state["deletion_protection"] is False
    assert state["backup_retention_period"] == 0


def test_desired_state_sorts_security_groups_and_leaves_unasked_fields_none():
    desired = desired_state(params(vpc_security_group_ids=["sg-2", "sg-1"], deletion_protection=True))
    assert desired == {
        "engine_version": None,
        "backup_retention_period": None,
        "preferred_backup_window": None,
        "deletion_protection": True,
        "copy_tags_to_snapshot": None,
        "db_cluster_parameter_group_name": None,
        "vpc_security_group_ids": ["sg-1", "sg-2"],
        "port": None,
        "scaling": None,
    }


def test_desired_state_and_current_state_own_the_same_fields_as_modifiable():
    assert set(desired_state(params())) == set(MODIFIABLE) == set(current_state(described()))


# scaling_differs ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "desired, current, expected",
    [
        (None, {"MinCapacity": 0.5, "MaxCapacity": 1.0}, False),
        (None, MISSING, False),
        ({"MinCapacity": 0.5, "MaxCapacity": 1}, MISSING, True),
        ({"MinCapacity": 0.5, "MaxCapacity": 1}, None, True),
        ({"MinCapacity": 0.5, "MaxCapacity": 1}, {"MaxCapacity": 1.0, "MinCapacity": 0.5}, False),
        ({"MinCapacity": 0.5, "MaxCapacity": 1}, {"MinCapacity": 0.5, "MaxCapacity": 1.0, "SecondsUntilAutoPause": 300}, False),
        ({"MinCapacity": 0.5, "MaxCapacity": 2}, {"MinCapacity": 0.5, "MaxCapacity": 1.0}, True),
        ({"MinCapacity": 0, "MaxCapacity": 1, "SecondsUntilAutoPause": 600},
         {"MinCapacity": 0.0, "MaxCapacity": 1.0, "SecondsUntilAutoPause": 300}, True),
    ],
    ids=["not-asked", "not-asked-missing", "asked-missing", "asked-none", "key-order-and-number-type",
         "extra-key-on-cluster", "max-differs", "pause-delay-differs"],
)
def test_scaling_differs_compares_only_the_keys_asked(desired, current, expected):
    assert scaling_differs(desired, current) is expected


# plan_update -------------------------------------------------------------------------------------

def test_plan_update_finds_nothing_when_everything_matches():
    assert fields_for() == []


def test_plan_update_compares_integers_with_the_floats_the_cluster_reports():
    assert fields_for(min_capacity=0, max_capacity=1, backup_retention_period=1) == []
    assert fields_for({"BackupRetentionPeriod": 1.0}) == []


def test_plan_update_ignores_the_key_order_of_the_scaling_block():
    reordered = {"SecondsUntilAutoPause": 300, "MaxCapacity": 1.0, "MinCapacity": 0.0}
    assert fields_for({"ServerlessV2ScalingConfiguration": reordered}) == []


def test_plan_update_ignores_an_auto_pause_delay_the_cluster_reports_when_min_above_zero_is_asked():
    cluster = {"ServerlessV2ScalingConfiguration": {"MinCapacity": 0.5, "MaxCapacity": 1.0, "SecondsUntilAutoPause": 300}}
    assert fields_for(cluster, min_capacity=0.5, max_capacity=1.0) == []


def test_plan_update_changes_scaling_when_the_max_capacity_differs():
    assert fields_for(max_capacity=2.0) == ["scaling"]


def test_plan_update_changes_scaling_when_pausing_is_turned_off():
    assert fields_for(min_capacity=0.5) == ["scaling"]


def test_plan_update_changes_scaling_when_the_auto_pause_delay_differs():
    assert fields_for(seconds_until_auto_pause=900) == ["scaling"]


def test_plan_update_lists_several_fields_in_modifiable_order():
    fields = fields_for(deletion_protection=True, backup_retention_period=7)
    assert fields == ["backup_retention_period", "deletion_protection"]
    order = list(MODIFIABLE)
    assert order.index("backup_retention_period") < order.index("deletion_protection")


def test_plan_update_lists_every_modifiable_field_in_modifiable_order():
    fields = fields_for(
        max_capacity=4.0,
        vpc_security_group_ids=["sg-0zzz"],
        db_cluster_parameter_group_name="custom",
        copy_tags_to_snapshot=False,
        deletion_protection=True,
        preferred_backup_window="05:00-06:00",
        backup_retention_period=7,
        engine_version="17.6",
        port=5433,
    )
    assert fields == list(MODIFIABLE)


@pytest.mark.parametrize(
    "groups",
    [["sg-0ccc", "sg-0aaa", "sg-0bbb"], ["sg-0bbb", "sg-0ccc", "sg-0aaa"], ["sg-0aaa", "sg-0bbb", "sg-0ccc"]],
)
def test_plan_update_compares_security_groups_as_a_set(groups):
    assert fields_for(vpc_security_group_ids=groups) == []


@pytest.mark.parametrize(
    "groups",
    [["sg-0aaa", "sg-0bbb"], ["sg-0aaa", "sg-0bbb", "sg-0ccc", "sg-0ddd"], ["sg-0aaa", "sg-0bbb", "sg-0ddd"], []],
    ids=["one-removed", "one-added", "one-replaced", "none"],
)
def test_plan_update_changes_security_groups_when_the_set_differs(groups):
    assert fields_for(vpc_security_group_ids=groups) == ["vpc_security_group_ids"]


@pytest.mark.parametrize("wanted", ["17.6", "17.10", "18.1"])
def test_plan_update_upgrades_to_a_newer_engine_version(wanted):
    assert fields_for(engine_version=wanted) == ["engine_version"]


@pytest.mark.parametrize("wanted", ["17.4", "17.5", "16.9"])
def test_plan_update_does_not_downgrade_a_cluster_aws_already_upgraded(wanted):
    assert fields_for(engine_version=wanted) == []


def test_plan_update_ignores_fields_not_asked():
    desired = desired_state(params())
    assert all(value is None for value in desired.values())
    assert plan_update(desired, current_state(described(DeletionProtection=True, BackupRetentionPeriod=35))) == []


@pytest.mark.parametrize(
    "cluster_key, asked",
    [
        ("EngineVersion", {"engine_version": "18.1"}),
        ("BackupRetentionPeriod", {"backup_retention_period": 7}),
        ("PreferredBackupWindow", {"preferred_backup_window": "05:00-06:00"}),
        ("DeletionProtection", {"deletion_protection": True}),
        ("CopyTagsToSnapshot", {"copy_tags_to_snapshot": False}),
        ("DBClusterParameterGroup", {"db_cluster_parameter_group_name": "custom"}),
    ],
)
def test_plan_update_does_not_act_on_a_field_the_cluster_does_not_report(cluster_key, asked):
    assert fields_for({cluster_key: MISSING}, **asked) == []


def test_plan_update_changes_scaling_the_cluster_does_not_report_when_it_is_asked():
    assert fields_for({"ServerlessV2ScalingConfiguration": MISSING}) == ["scaling"]


def test_plan_update_leaves_scaling_the_cluster_does_not_report_alone_when_it_is_not_asked():
    assert fields_for({"ServerlessV2ScalingConfiguration": MISSING}, min_capacity=None, max_capacity=None) == []


# create_only_conflicts ---------------------------------------------------------------------------

def test_create_only_conflicts_names_the_field_both_values_and_the_cluster():
    problems = create_only_conflicts(matching_params(database_name="other_db"), described())
    assert len(problems) == 1
    message = problems[0]
    assert "database_name" in message
    assert "'other_db'" in message and "'nestjs_playground'" in message
    assert CLUSTER_ID in message


def test_create_only_conflicts_is_empty_when_every_creation_field_matches():
    assert create_only_conflicts(matching_params(kms_key_id=KMS_KEY_ARN), described()) == []


def test_create_only_conflicts_ignores_fields_not_asked():
    asked = params(database_name=None, master_username=None, db_subnet_group_name=None, storage_encrypted=None, kms_key_id=None)
    assert create_only_conflicts(asked, described(StorageEncrypted=False)) == []


def test_create_only_conflicts_ignores_fields_the_cluster_does_not_report():
    cluster = described(DatabaseName=MISSING, KmsKeyId=MISSING)
    assert create_only_conflicts(matching_params(database_name="other_db", kms_key_id=KMS_KEY_ARN), cluster) == []


def test_create_only_conflicts_accepts_the_resolved_arn_of_the_clusters_key():
    # main() resolves kms_key_id (id, alias or ARN) to the key's ARN with KMS before comparing
    assert create_only_conflicts(matching_params(kms_key_id=KMS_KEY_ARN), described()) == []


def test_create_only_conflicts_reports_a_different_kms_key():
    other = "arn:aws:kms:us-east-1:123456789012:key/ffffffff-4e5f-6789-abcd-ef0123456789"
    problems = create_only_conflicts(matching_params(kms_key_id=other), described())
    assert len(problems) == 1 and "kms_key_id" in problems[0] and other in problems[0]


@pytest.mark.parametrize(
    "asked, field",
    [
        ({"master_username": "admin"}, "master_username"),
        ({"db_subnet_group_name": "other-subnets"}, "db_subnet_group_name"),
        ({"storage_encrypted": False}, "storage_encrypted"),
    ],
)
def test_create_only_conflicts_reports_each_other_creation_field(asked, field):
    problems = create_only_conflicts(matching_params(**asked), described())
    assert len(problems) == 1 and problems[0].startswith(f"{field} is ")


def test_create_only_conflicts_reports_every_differing_field():
    problems = create_only_conflicts(matching_params(database_name="other_db", master_username="admin"), described())
    assert [problem.split(" ", 1)[0] for problem in problems] == ["database_name", "master_username"]


# modify_arguments --------------------------------------------------------------------------------

def test_modify_arguments_maps_each_field_to_its_modify_db_cluster_parameter():
    desired = desired_state(matching_params(
        backup_retention_period=7, deletion_protection=True, vpc_security_group_ids=["sg-2", "sg-1"], max_capacity=4.0,
    ))
    fields = ["backup_retention_period", "deletion_protection", "vpc_security_group_ids", "scaling"]
    assert modify_arguments(fields, desired, params()) == {
        "BackupRetentionPeriod": 7,
        "DeletionProtection": True,
        "VpcSecurityGroupIds": ["sg-1", "sg-2"],
        "ServerlessV2ScalingConfiguration": {"MinCapacity": 0.0, "MaxCapacity": 4.0, "SecondsUntilAutoPause": 300},
    }


def test_modify_arguments_sends_only_the_fields_given():
    desired = desired_state(matching_params(backup_retention_period=7, deletion_protection=True))
    assert modify_arguments(["deletion_protection"], desired, params()) == {"DeletionProtection": True}


def test_modify_arguments_allows_a_major_upgrade_when_the_version_changes_and_it_is_allowed():
    desired = desired_state(matching_params(engine_version="18.1"))
    assert modify_arguments(["engine_version"], desired, params(allow_major_version_upgrade=True)) == {
        "EngineVersion": "18.1",
        "AllowMajorVersionUpgrade": True,
    }


def test_modify_arguments_does_not_allow_a_major_upgrade_unless_asked():
    desired = desired_state(matching_params(engine_version="18.1"))
    assert modify_arguments(["engine_version"], desired, params(allow_major_version_upgrade=False)) == {"EngineVersion": "18.1"}


def test_modify_arguments_does_not_allow_a_major_upgrade_when_the_version_does_not_change():
    desired = desired_state(matching_params(engine_version="18.1", deletion_protection=True))
    kwargs = modify_arguments(["deletion_protection"], desired, params(allow_major_version_upgrade=True))
    assert kwargs == {"DeletionProtection": True}


# snake_view --------------------------------------------------------------------------------------

def test_snake_view_renames_scaling_in_snake_case_and_drops_missing_and_none():
    owned = {
        "engine_version": "17.5",
        "backup_retention_period": MISSING,
        "preferred_backup_window": None,
        "deletion_protection": False,
        "vpc_security_group_ids": ["sg-1"],
        "scaling": {"MinCapacity": 0.0, "MaxCapacity": 1.0, "SecondsUntilAutoPause": 300},
    }
    assert snake_view(owned) == {
        "engine_version": "17.5",
        "deletion_protection": False,
        "vpc_security_group_ids": ["sg-1"],
        "serverless_v2_scaling_configuration": {"min_capacity": 0.0, "max_capacity": 1.0, "seconds_until_auto_pause": 300},
    }


@pytest.mark.parametrize("scaling", [MISSING, None], ids=["missing", "none"])
def test_snake_view_leaves_out_scaling_that_is_missing_or_not_asked(scaling):
    view = snake_view({"engine_version": "17.5", "scaling": scaling})
    assert view == {"engine_version": "17.5"}


def test_snake_view_does_not_change_its_input():
    owned = current_state(described())
    before = copy.deepcopy(owned)
    snake_view(owned)
    assert owned == before and "scaling" in owned


# deletion_plan (state=absent) -------------------------------------------------------------------

WRITER = f"{CLUSTER_ID}-writer"
READER = f"{CLUSTER_ID}-reader"


def with_members(*names, **overrides):
    return described(DBClusterMembers=[{"DBInstanceIdentifier": n, "IsClusterWriter": n == WRITER} for n in names], **overrides)


@pytest.mark.parametrize("check_mode", [False, True])
@pytest.mark.parametrize("asked", [None, False, True])
def test_deletion_plan_deletes_an_unprotected_cluster_without_members_as_it_is(asked, check_mode):
    assert deletion_plan(described(), asked, [], check_mode) == ({}, None)


@pytest.mark.parametrize("check_mode", [False, True])
def test_deletion_plan_turns_protection_off_first_when_deletion_protection_false_is_given(check_mode):
    assert deletion_plan(described(DeletionProtection=True), False, [], check_mode) == ({"DeletionProtection": False}, None)


@pytest.mark.parametrize("asked", [None, True])
@pytest.mark.parametrize("check_mode", [False, True])
def test_deletion_plan_refuses_a_protected_cluster_unless_deletion_protection_false_is_given(asked, check_mode):
    modify, problem = deletion_plan(described(DeletionProtection=True), asked, [], check_mode)
    assert modify is None
    assert CLUSTER_ID in problem and "deletion protection" in problem and "deletion_protection: false" in problem


@pytest.mark.parametrize("check_mode", [False, True])
def test_deletion_plan_refuses_a_cluster_with_members_naming_them(check_mode):
    modify, problem = deletion_plan(with_members(WRITER, READER), False, [], check_mode)
    assert modify is None
    assert "still has instances" in problem and WRITER in problem and READER in problem


def test_deletion_plan_in_check_mode_does_not_count_members_an_earlier_task_deletes():
    cluster = with_members(WRITER, READER, DeletionProtection=True)
    assert deletion_plan(cluster, False, [READER, WRITER], True) == ({"DeletionProtection": False}, None)


def test_deletion_plan_in_check_mode_still_counts_members_no_earlier_task_deletes():
    modify, problem = deletion_plan(with_members(WRITER, "someone-elses"), None, [WRITER], True)
    assert modify is None
    assert "someone-elses" in problem and WRITER not in problem


def test_deletion_plan_in_a_real_run_counts_every_member_even_those_said_to_be_deleted_first():
    modify, problem = deletion_plan(with_members(WRITER), False, [WRITER], False)
    assert modify is None and WRITER in problem


def test_deletion_plan_names_members_before_protection():
    modify, problem = deletion_plan(with_members(WRITER, DeletionProtection=True), None, [], False)
    assert modify is None and "still has instances" in problem


# final_snapshot_name ------------------------------------------------------------------------------

NOW = datetime(2026, 12, 1, 3, 4, 5, tzinfo=timezone.utc)


def test_final_snapshot_name_is_none_when_the_snapshot_is_skipped():
    assert final_snapshot_name({"skip_final_snapshot": True, "final_snapshot_identifier": "x"}, CLUSTER_ID, NOW) is None


def test_final_snapshot_name_is_the_one_given():
    assert final_snapshot_name({"skip_final_snapshot": False, "final_snapshot_identifier": "x"}, CLUSTER_ID, NOW) == "x"


def test_final_snapshot_name_defaults_to_the_cluster_and_the_utc_time():
    params = {"skip_final_snapshot": False, "final_snapshot_identifier": None}
    assert final_snapshot_name(params, CLUSTER_ID, NOW) == f"{CLUSTER_ID}-final-20261201030405"


def test_a_new_parameter_group_is_a_modification_of_the_existing_cluster():
    desired = desired_state({"db_cluster_parameter_group_name": "nestjs-playground-dev"})
    assert plan_update(desired, current_state(described())) == ["db_cluster_parameter_group_name"]
    assert modify_arguments(["db_cluster_parameter_group_name"], desired, {}) == {"DBClusterParameterGroupName": "nestjs-playground-dev"}
    same = desired_state({"db_cluster_parameter_group_name": "default.aurora-postgresql17"})
    assert plan_update(same, current_state(described())) == []


def test_every_instance_waits_for_a_reboot_after_the_group_changes_and_aws_says_which_later():
    members = [{"DBInstanceIdentifier": "c-writer", "DBClusterParameterGroupStatus": "in-sync"},
               {"DBInstanceIdentifier": "c-reader", "DBClusterParameterGroupStatus": "pending-reboot"}]
    cluster = described(DBClusterMembers=members)
    assert instances_pending_reboot(cluster, ["db_cluster_parameter_group_name"]) == ["c-reader", "c-writer"]
    assert instances_pending_reboot(cluster, []) == ["c-reader"]
    assert instances_pending_reboot(described(), ["db_cluster_parameter_group_name"]) == []
    message = reboot_warning(CLUSTER_ID, ["c-reader"])
    assert "c-reader" in message and "reboot-db-instance" in message
    assert reboot_warning(CLUSTER_ID, []) is None


# point-in-time restore ----------------------------------------------------------------------------

RESTORABLE = described(EarliestRestorableTime=datetime(2026, 11, 21, 3, 0, tzinfo=timezone.utc),
                       LatestRestorableTime=datetime(2026, 11, 28, 10, 0, tzinfo=timezone.utc))
RESTORE = {"source_db_cluster_identifier": CLUSTER_ID, "restore_to_time": "2026-11-28T09:30:00Z", "use_latest_restorable_time": None}


def test_a_restore_time_needs_iso_8601_with_a_time_zone():
    moment, problem = parse_restore_time("2026-11-28T09:30:00Z")
    assert problem is None and moment == datetime(2026, 11, 28, 9, 30, tzinfo=timezone.utc)
    assert parse_restore_time("2026-11-28T11:30:00+02:00")[0] == moment
    assert "has no time zone: add Z for UTC" in parse_restore_time("2026-11-28T09:30:00")[1]
    assert "is not an ISO 8601 time" in parse_restore_time("yesterday")[1]


def test_a_restore_time_outside_the_restorable_window_is_refused_with_the_window():
    inside = datetime(2026, 11, 28, 9, 30, tzinfo=timezone.utc)
    assert restore_time_problem(inside, RESTORABLE) is None
    early = restore_time_problem(datetime(2026, 11, 1, tzinfo=timezone.utc), RESTORABLE)
    assert "is before the earliest restorable time of cluster nestjs-playground-dev, 2026-11-21T03:00:00+00:00" in early
    late = restore_time_problem(datetime(2026, 11, 28, 11, 0, tzinfo=timezone.utc), RESTORABLE)
    assert "is after the latest restorable time" in late and "use_latest_restorable_time" in late
    assert restore_time_problem(inside, described()) is None   # a window AWS does not report is not checked


def test_a_restore_takes_the_source_s_subnets_security_groups_port_and_scaling_by_default():
    moment = parse_restore_time(RESTORE["restore_to_time"])[0]
    kwargs = restore_arguments("restored", RESTORE, moment, desired_state(params()), params(), RESTORABLE, {"App": "a"})
    assert kwargs == {
        "DBClusterIdentifier": "restored", "SourceDBClusterIdentifier": CLUSTER_ID, "RestoreType": "full-copy",
        "RestoreToTime": moment, "DBSubnetGroupName": "nestjs-playground-dev-db",
        "VpcSecurityGroupIds": ["sg-0aaa", "sg-0bbb", "sg-0ccc"], "Port": 5432,
        "ServerlessV2ScalingConfiguration": {"MinCapacity": 0.0, "MaxCapacity": 1.0, "SecondsUntilAutoPause": 300},
        "CopyTagsToSnapshot": True, "Tags": [{"Key": "App", "Value": "a"}],
    }
    # nothing of the source's master user, password, database name or key: a restore keeps the source's
    assert not {"MasterUsername", "MasterUserPassword", "DatabaseName", "KmsKeyId", "EngineVersion"} & set(kwargs)


def test_a_restore_takes_what_the_options_ask_over_the_source_s_and_the_latest_time():
    asked = params(vpc_security_group_ids=["sg-new"], min_capacity=1.0, max_capacity=4.0, deletion_protection=True,
                   db_subnet_group_name="other")
    latest = dict(RESTORE, restore_to_time=None, use_latest_restorable_time=True)
    kwargs = restore_arguments("restored", latest, None, desired_state(asked), asked, RESTORABLE, {})
    assert kwargs["UseLatestRestorableTime"] is True and "RestoreToTime" not in kwargs
    assert kwargs["VpcSecurityGroupIds"] == ["sg-new"]
    assert kwargs["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 1.0, "MaxCapacity": 4.0}
    assert (kwargs["DeletionProtection"], kwargs["DBSubnetGroupName"]) == (True, "other")


def test_the_restored_view_says_from_where_and_to_when():
    moment = parse_restore_time(RESTORE["restore_to_time"])[0]
    kwargs = restore_arguments("restored", RESTORE, moment, desired_state(params()), params(), RESTORABLE, {})
    view = restored_view(kwargs, RESTORABLE)
    assert view["restored_from"] == CLUSTER_ID
    assert view["restore_to_time"] == "2026-11-28T09:30:00+00:00"
    assert view["engine_version"] == "17.5" and view["vpc_security_group_ids"] == ["sg-0aaa", "sg-0bbb", "sg-0ccc"]


# The module's calls, on AWS's shapes (botocore Stubber) ------------------------------------------

class WarnedModule(FakeModule):
    def warn(self, message):
        self.warnings.append(message)


def stubbed_cluster(check_mode=False, **overrides):
    module = WarnedModule(params(**dict({"instances_deleted_first": [], "restore_from": None}, **overrides)), check_mode=check_mode)
    module.warnings = []
    cluster = Cluster(module)   # first: its client is the one that retries
    return module, module.stubber("rds"), cluster


def test_a_cluster_that_is_not_there_describes_as_none_and_its_delete_changes_nothing():
    _module, stubber, cluster = stubbed_cluster(state="absent", skip_final_snapshot=True, wait=False)
    stubber.add_client_error("describe_db_clusters", "DBClusterNotFoundFault", expected_params={"DBClusterIdentifier": CLUSTER_ID})
    stubber.add_client_error("delete_db_cluster", "DBClusterNotFoundFault",
                             expected_params={"DBClusterIdentifier": CLUSTER_ID, "SkipFinalSnapshot": True})
    with stubber:
        assert cluster.describe() is None
        cluster.delete(described())
    stubber.assert_no_pending_responses()


def test_a_cluster_created_by_another_run_meanwhile_is_planned_again_as_an_existing_one():
    module, stubber, cluster = stubbed_cluster(master_username="postgres", master_user_password_secret_arn="secret", min_capacity=0.0,
                                               max_capacity=1.0, wait=False)
    ServiceCalls(module, "secretsmanager")   # first: the client the module reads the password with retries
    secrets = module.stubber("secretsmanager")
    secrets.add_response("get_secret_value", {"SecretString": '{"password": "pw"}'}, expected_params={"SecretId": "secret"})
    stubber.add_client_error("create_db_cluster", "DBClusterAlreadyExistsFault")
    decision = cluster.plan(None)
    assert decision["problem"] is None and decision["changed"]
    with stubber, secrets:
        assert cluster.apply(decision, None) is CHANGED_MEANWHILE
    stubber.assert_no_pending_responses()


def test_a_new_parameter_group_is_modified_and_tagged_with_the_reboot_warning_and_no_restore():
    module, stubber, cluster = stubbed_cluster(db_cluster_parameter_group_name=CLUSTER_ID, tags={"App": "app"}, wait=False,
                                               restore_from={"source_db_cluster_identifier": "other", "restore_to_time": None,
                                                             "use_latest_restorable_time": True})
    existing = described(DBClusterMembers=[{"DBInstanceIdentifier": f"{CLUSTER_ID}-writer"}])
    arn = existing["DBClusterArn"]
    stubber.add_response("describe_db_clusters", {"DBClusters": [existing]}, expected_params={"DBClusterIdentifier": CLUSTER_ID})
    stubber.add_response("modify_db_cluster", {}, expected_params={"DBClusterIdentifier": CLUSTER_ID, "ApplyImmediately": True,
                                                                    "DBClusterParameterGroupName": CLUSTER_ID})
    stubber.add_response("add_tags_to_resource", {}, expected_params={"ResourceName": arn, "Tags": [{"Key": "App", "Value": "app"}]})
    with stubber:
        result = run(module, cluster, "cluster")
    stubber.assert_no_pending_responses()
    assert result["changed"] and cluster.extra(result) == {"restored": False}
    assert result["cluster"]["instances_pending_reboot"] == [f"{CLUSTER_ID}-writer"]
    assert result["cluster"]["db_cluster_parameter_group_name"] == CLUSTER_ID
    assert result["diff"]["before"]["db_cluster_parameter_group_name"] == "default.aurora-postgresql17"
    (warning,) = module.warnings
    assert f"cluster {CLUSTER_ID} ({CLUSTER_ID}-writer)" in warning


def test_a_restore_onto_itself_is_refused_in_check_mode_without_reading_anything():
    module, stubber, cluster = stubbed_cluster(check_mode=True, restore_from={
        "source_db_cluster_identifier": CLUSTER_ID, "restore_to_time": None, "use_latest_restorable_time": True})
    stubber.add_client_error("describe_db_clusters", "DBClusterNotFoundFault")
    with stubber, pytest.raises(Failed, match="cannot be restored onto itself"):
        run(module, cluster, "cluster")
    stubber.assert_no_pending_responses()


def test_a_check_mode_deletion_names_its_final_snapshot_and_deletes_nothing():
    module, stubber, cluster = stubbed_cluster(check_mode=True, state="absent", final_snapshot_identifier="last")
    stubber.add_response("describe_db_clusters", {"DBClusters": [described()]})
    with stubber:
        result = run(module, cluster, "cluster")
    stubber.assert_no_pending_responses()
    assert result["changed"] and result["cluster"] == {} and cluster.extra(result) == {"final_snapshot_identifier": "last"}
    assert result["diff"]["before"]["port"] == 5432 and result["diff"]["after"] == {}
