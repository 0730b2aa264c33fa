from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import CHANGED_MEANWHILE
from ansible_collections.nestjs_playground.infra.plugins.modules.aurora_cluster_parameter_group import (
    Group,
    apply_method,
    chunks,
    desired_parameters,
    family_problem,
    pending_reboot,
    plan_parameters,
    read_listing,
)
from ansible_collections.nestjs_playground.infra.tests.unit.plugins.module_utils.test_resource import FakeModule

FAMILY = "aurora-postgresql17"


def param(name, value=None, source="engine-default", apply_type="dynamic", modifiable=True):
    entry = {"ParameterName": name, "Source": source, "ApplyType": apply_type, "IsModifiable": modifiable}
    if value is not None:
        entry["ParameterValue"] = value
    return entry


# As AWS lists a group: every parameter of the family, the ones set with Source user.
AWS_LISTING = [
    param("rds.force_ssl", "1", source="user"),
    param("log_min_duration_statement", "-1"),
    param("shared_preload_libraries", "pg_stat_statements", apply_type="static"),
    param("max_connections", "500", source="user", apply_type="static"),
    param("rds.extensions", "...", source="system", modifiable=False),
]
# As the emulator lists it: only what was set, without Source or ApplyType.
EMULATOR_LISTING = [{"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "pending-reboot"}]


def test_values_are_sent_as_the_strings_rds_stores():
    assert desired_parameters({"rds.force_ssl": 1, "a": True, "b": False, "c": 2.0, "d": "x", "e": 0.5}) == {
        "rds.force_ssl": "1", "a": "1", "b": "0", "c": "2", "d": "x", "e": "0.5"}
    assert desired_parameters(None) is None


def test_the_listing_splits_into_user_parameters_and_every_known_one():
    user, known = read_listing(AWS_LISTING)
    assert user == {"rds.force_ssl": "1", "max_connections": "500"}
    assert set(known) == {p["ParameterName"] for p in AWS_LISTING}


def test_dynamic_parameters_apply_now_and_static_or_unknown_ones_at_the_next_reboot():
    assert apply_method({"ApplyType": "dynamic"}) == "immediate"
    assert apply_method({"ApplyType": "static"}) == "pending-reboot"
    assert apply_method(None) == "pending-reboot"


def test_what_is_already_set_is_no_change():
    changes = plan_parameters({"rds.force_ssl": "1", "max_connections": "500"}, AWS_LISTING, True, FAMILY)
    assert (changes["modify"], changes["reset"], changes["problems"]) == ([], [], [])
    assert changes["after"] == {"rds.force_ssl": "1", "max_connections": "500"}


def test_a_new_parameter_is_set_with_the_apply_method_its_type_allows():
    changes = plan_parameters({"rds.force_ssl": "1", "max_connections": "500", "log_min_duration_statement": "500",
                               "shared_preload_libraries": "pg_stat_statements,auto_explain"}, AWS_LISTING, True, FAMILY)
    assert changes["modify"] == [
        {"ParameterName": "log_min_duration_statement", "ParameterValue": "500", "ApplyMethod": "immediate"},
        {"ParameterName": "shared_preload_libraries", "ParameterValue": "pg_stat_statements,auto_explain", "ApplyMethod": "pending-reboot"},
    ]
    assert changes["reset"] == []
    assert pending_reboot(changes) == ["shared_preload_libraries"]


def test_a_changed_value_is_modified():
    changes = plan_parameters({"rds.force_ssl": "1", "max_connections": "800"}, AWS_LISTING, True, FAMILY)
    assert changes["modify"] == [{"ParameterName": "max_connections", "ParameterValue": "800", "ApplyMethod": "pending-reboot"}]
    assert changes["after"]["max_connections"] == "800"


def test_a_parameter_no_longer_asked_for_is_reset_and_kept_without_purge():
    changes = plan_parameters({"rds.force_ssl": "1"}, AWS_LISTING, True, FAMILY)
    assert changes["reset"] == [{"ParameterName": "max_connections", "ApplyMethod": "pending-reboot"}]
    assert changes["after"] == {"rds.force_ssl": "1"}
    kept = plan_parameters({"rds.force_ssl": "1"}, AWS_LISTING, False, FAMILY)
    assert kept["reset"] == [] and kept["after"] == {"rds.force_ssl": "1", "max_connections": "500"}


def test_parameters_not_given_are_left_alone():
    changes = plan_parameters(None, AWS_LISTING, True, FAMILY)
    assert (changes["modify"], changes["reset"]) == ([], [])
    assert changes["after"] == {"rds.force_ssl": "1", "max_connections": "500"}


def test_an_unknown_or_unmodifiable_parameter_is_a_problem_naming_it_and_the_family():
    changes = plan_parameters({"rds.force_ssl": "1", "max_conections": "5", "rds.extensions": "x"}, AWS_LISTING, True, FAMILY)
    assert changes["problems"] == [
        "parameters: 'max_conections' is not a parameter of the aurora-postgresql17 family.",
        "parameters: 'rds.extensions' cannot be modified in a aurora-postgresql17 cluster parameter group.",
    ]


def test_a_listing_without_the_engine_defaults_cannot_tell_unknown_names():
    assert read_listing(EMULATOR_LISTING)[0] == {"rds.force_ssl": "1"}
    assert plan_parameters({"rds.force_ssl": "1"}, EMULATOR_LISTING, True, FAMILY)["modify"] == []
    changes = plan_parameters({"rds.force_ssl": "1", "log_min_duration_statement": "500"}, EMULATOR_LISTING, True, FAMILY)
    assert changes["problems"] == []
    assert changes["modify"] == [{"ParameterName": "log_min_duration_statement", "ParameterValue": "500", "ApplyMethod": "pending-reboot"}]


def test_a_new_group_sets_every_parameter():
    changes = plan_parameters({"rds.force_ssl": "1"}, [], True, FAMILY)
    assert changes["modify"] == [{"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "pending-reboot"}]


def test_another_family_for_an_existing_group_is_refused_with_the_way_out():
    group = {"DBClusterParameterGroupName": "app-dev", "DBParameterGroupFamily": "aurora-postgresql16"}
    message = family_problem(group, FAMILY)
    assert "has the family aurora-postgresql16, not aurora-postgresql17" in message
    assert "another name" in message
    assert family_problem(dict(group, DBParameterGroupFamily=FAMILY), FAMILY) is None


def test_more_than_twenty_parameters_go_in_calls_of_twenty():
    assert [len(chunk) for chunk in chunks(list(range(45)))] == [20, 20, 5]
    assert chunks([]) == []


# The module's calls, on AWS's shapes (botocore Stubber).

GROUP_ARN = "arn:aws:rds:us-east-1:123456789012:cluster-pg:app-dev"
MODULE_PARAMS = {"name": "app-dev", "state": "present", "family": FAMILY, "description": None, "parameters": {"rds.force_ssl": 1},
                 "purge_parameters": True, "tags": {"App": "app"}, "purge_tags": True}


def stubbed_group(**params):
    module = FakeModule(dict(MODULE_PARAMS, **params))
    group = Group(module)   # first: its client is the one that retries
    return module.stubber("rds"), group


def test_a_group_that_is_not_there_describes_as_none_and_its_delete_changes_nothing():
    stubber, group = stubbed_group(state="absent")
    stubber.add_client_error("describe_db_cluster_parameter_groups", "DBParameterGroupNotFound",
                             expected_params={"DBClusterParameterGroupName": "app-dev"})
    stubber.add_client_error("delete_db_cluster_parameter_group", "DBParameterGroupNotFound",
                             expected_params={"DBClusterParameterGroupName": "app-dev"})
    with stubber:
        assert group.describe() is None
        group.delete({"group": {}, "listing": [], "tags": {}})
    stubber.assert_no_pending_responses()


def test_a_group_created_by_another_run_meanwhile_is_planned_again_as_an_existing_one():
    stubber, group = stubbed_group()
    stubber.add_client_error("create_db_cluster_parameter_group", "DBParameterGroupAlreadyExists", expected_params={
        "DBClusterParameterGroupName": "app-dev", "DBParameterGroupFamily": FAMILY, "Description": "Cluster parameters of app-dev",
        "Tags": [{"Key": "App", "Value": "app"}]})
    with stubber:
        assert group.apply(group.plan(None), None) is CHANGED_MEANWHILE
    stubber.assert_no_pending_responses()


def test_an_existing_group_is_retagged_then_its_parameters_set_and_reset_and_static_ones_wait_for_a_reboot():
    stubber, group = stubbed_group(parameters={"rds.force_ssl": 1, "max_connections": 800})
    current = {"group": {"DBClusterParameterGroupArn": GROUP_ARN, "DBParameterGroupFamily": FAMILY, "Description": "mine"},
               "listing": AWS_LISTING + [param("work_mem", "64", source="user")], "tags": {"App": "old", "Extra": "x"}}
    decision = group.plan(current)
    assert decision["pending_reboot"] == ["max_connections"] and decision["problem"] is None
    stubber.add_response("remove_tags_from_resource", {}, expected_params={"ResourceName": GROUP_ARN, "TagKeys": ["Extra"]})
    stubber.add_response("add_tags_to_resource", {}, expected_params={"ResourceName": GROUP_ARN, "Tags": [{"Key": "App", "Value": "app"}]})
    stubber.add_response("modify_db_cluster_parameter_group", {"DBClusterParameterGroupName": "app-dev"}, expected_params={
        "DBClusterParameterGroupName": "app-dev",
        "Parameters": [{"ParameterName": "max_connections", "ParameterValue": "800", "ApplyMethod": "pending-reboot"}]})
    stubber.add_response("reset_db_cluster_parameter_group", {"DBClusterParameterGroupName": "app-dev"}, expected_params={
        "DBClusterParameterGroupName": "app-dev", "Parameters": [{"ParameterName": "work_mem", "ApplyMethod": "immediate"}]})
    with stubber:
        state = group.apply(decision, current)
    stubber.assert_no_pending_responses()
    assert group.result(decision, state) == {"name": "app-dev", "arn": GROUP_ARN, "family": FAMILY, "description": "mine",
                                             "parameters": {"rds.force_ssl": "1", "max_connections": "800"}, "tags": {"App": "app"}}
    assert group.pending_reboot == ["max_connections"]
