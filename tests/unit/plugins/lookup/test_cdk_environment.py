"""CDK_* environment variables as typed role variables (the CDK app's .env, unchanged)."""

import glob
import os

import pytest
import yaml

from ansible_collections.nestjs_playground.infra.plugins.lookup.cdk_environment import COLLECTION_ROOT
from ansible_collections.nestjs_playground.infra.plugins.lookup.cdk_environment import cdk_variables
from ansible_collections.nestjs_playground.infra.plugins.lookup.cdk_environment import contradictions
from ansible_collections.nestjs_playground.infra.plugins.lookup.cdk_environment import role_input_types

TYPES = role_input_types()

# The specification's Environment Variables tables, every CDK_* name, with the variable it sets.
SPEC_VARIABLES = {
    "CDK_ACCOUNT": "aws_account_id", "CDK_REGION": "aws_region", "CDK_ENVIRONMENT": "environment_name",
    "CDK_HOSTED_ZONE_ID": "hosted_zone_id", "CDK_HOSTED_ZONE_NAME": "hosted_zone_name",
    "CDK_DOMAIN_NAME": "domain_name", "CDK_CERTIFICATE_ARN": "certificate_arn",
    "CDK_APP_NAME": "app_name", "CDK_APP_PORT": "app_port", "CDK_APP_LOGGING_LEVEL": "app_logging_level",
    "CDK_APP_CORS_ALLOWED_ORIGIN": "app_cors_allowed_origin", "CDK_APP_JWT_EXPIRES_IN": "app_jwt_expires_in",
    "CDK_DATABASE_NAME": "database_name", "CDK_DATABASE_USERNAME": "database_username",
    "CDK_DATABASE_MIN_CAPACITY": "database_min_capacity", "CDK_DATABASE_MAX_CAPACITY": "database_max_capacity",
    "CDK_DATABASE_READ_REPLICA": "database_read_replica", "CDK_TASK_MEMORY_MB": "task_memory_mb",
    "CDK_TASK_CPU_UNITS": "task_cpu_units", "CDK_SERVICE_DESIRED_COUNT": "service_desired_count",
    "CDK_SERVICE_MIN_CAPACITY": "service_min_capacity", "CDK_SERVICE_MAX_CAPACITY": "service_max_capacity",
    "CDK_SCHEDULE_TASK_CLEANUP_CRON": "schedule_task_cleanup_cron",
    "CDK_SCHEDULER_TASK_MEMORY_MB": "scheduler_task_memory_mb", "CDK_SCHEDULER_TASK_CPU_UNITS": "scheduler_task_cpu_units",
    "CDK_TAG_APP": "tag_app", "CDK_TAG_ENV": "tag_env", "CDK_TAG_OU": "tag_ou", "CDK_TAG_OWNER": "tag_owner",
}


def test_every_variable_of_the_specification_names_a_documented_role_input():
    result = cdk_variables({name: "x" for name in SPEC_VARIABLES}, {v: "str" for v in SPEC_VARIABLES.values()})
    assert result["sources"] == {variable: name for name, variable in SPEC_VARIABLES.items()}
    assert sorted(set(SPEC_VARIABLES.values()) - set(TYPES)) == []


def test_no_variable_has_two_types_in_two_roles():
    seen = {}
    for path in glob.glob(os.path.join(COLLECTION_ROOT, "roles", "*", "meta", "argument_specs.yml")):
        with open(path, encoding="utf-8") as handle:
            options = yaml.safe_load(handle)["argument_specs"]["main"].get("options") or {}
        for name, option in options.items():
            seen.setdefault(name, set()).add(option.get("type", "str"))
    assert {name: kinds for name, kinds in seen.items() if len(kinds) > 1} == {}


def test_a_cdk_env_file_gives_booleans_numbers_and_text():
    environ = {
        "CDK_ENVIRONMENT": "qa", "CDK_DATABASE_READ_REPLICA": "true", "CDK_DATABASE_MIN_CAPACITY": "0.5",
        "CDK_DATABASE_MAX_CAPACITY": "2", "CDK_TASK_MEMORY_MB": "1024", "CDK_SERVICE_DESIRED_COUNT": "0",
        "CDK_SCHEDULE_TASK_CLEANUP_CRON": "0 2 * * *", "CDK_ACCOUNT": "123456789012", "PATH": "/usr/bin",
    }
    result = cdk_variables(environ, TYPES)
    assert result["vars"] == {
        "environment_name": "qa", "database_read_replica": True, "database_min_capacity": 0.5,
        "database_max_capacity": 2.0, "task_memory_mb": 1024, "service_desired_count": 0,
        "schedule_task_cleanup_cron": "0 2 * * *", "aws_account_id": "123456789012",
    }
    assert type(result["vars"]["task_memory_mb"]) is int
    assert type(result["vars"]["database_max_capacity"]) is float
    assert result["problems"] == [] and result["unknown"] == []


@pytest.mark.parametrize(("text", "expected"), [
    ("true", True), ("True", True), ("yes", True), ("1", True), ("false", False), ("FALSE", False), ("no", False), ("0", False),
])
def test_booleans_are_read_as_the_cdk_app_and_yaml_write_them(text, expected):
    assert cdk_variables({"CDK_DATABASE_READ_REPLICA": text}, TYPES)["vars"] == {"database_read_replica": expected}


@pytest.mark.parametrize(("name", "value", "message"), [
    ("CDK_DATABASE_READ_REPLICA", "maybe", "CDK_DATABASE_READ_REPLICA 'maybe' (it sets database_read_replica) is not a boolean"),
    ("CDK_TASK_MEMORY_MB", "1GB", "CDK_TASK_MEMORY_MB '1GB' (it sets task_memory_mb) is not a whole number"),
    ("CDK_APP_PORT", "3000.5", "CDK_APP_PORT '3000.5' (it sets app_port) is not a whole number"),
    ("CDK_DATABASE_MAX_CAPACITY", "lots", "CDK_DATABASE_MAX_CAPACITY 'lots' (it sets database_max_capacity) is not a number"),
    ("CDK_DATABASE_MIN_CAPACITY", "nan", "is not a number"),
])
def test_a_value_that_does_not_fit_its_type_is_a_problem_naming_both_names(name, value, message):
    result = cdk_variables({name: value}, TYPES)
    assert result["vars"] == {}
    (problem,) = result["problems"]
    assert message in problem


def test_an_empty_value_clears_text_and_leaves_numbers_and_booleans_unset():
    result = cdk_variables({"CDK_SCHEDULE_TASK_CLEANUP_CRON": "", "CDK_TASK_MEMORY_MB": "", "CDK_DATABASE_READ_REPLICA": " "}, TYPES)
    assert result["vars"] == {"schedule_task_cleanup_cron": ""}
    assert result["problems"] == []


def test_unknown_names_are_reported_and_the_cdk_cli_own_variables_are_not():
    result = cdk_variables({"CDK_DATABSE_MAX_CAPACITY": "2", "CDK_DEFAULT_ACCOUNT": "1", "CDK_DEFAULT_REGION": "eu-west-1",
                            "CDK_OUTDIR": "cdk.out", "CDK_TAG_OU": "platform"}, TYPES)
    assert result["unknown"] == ["CDK_DATABSE_MAX_CAPACITY"]
    assert result["vars"] == {"tag_ou": "platform"}


def test_any_documented_role_input_can_come_from_the_environment():
    result = cdk_variables({"CDK_VPC_ID": "vpc-0123456789abcdef0", "CDK_SERVICE_WAIT": "true"}, TYPES)
    assert result["vars"] == {"vpc_id": "vpc-0123456789abcdef0", "service_wait": True}


def test_a_dict_input_takes_a_json_object_and_an_empty_value_leaves_it_unset():
    result = cdk_variables({"CDK_DATABASE_CLUSTER_PARAMETERS": '{"log_min_duration_statement": "500", "work_mem": 8192}'}, TYPES)
    assert result["vars"] == {"database_cluster_parameters": {"log_min_duration_statement": "500", "work_mem": 8192}}
    assert cdk_variables({"CDK_DATABASE_CLUSTER_PARAMETERS": " "}, TYPES)["vars"] == {}
    for text in ("log_min_duration_statement=500", "[1, 2]", "{broken"):
        (problem,) = cdk_variables({"CDK_DATABASE_CLUSTER_PARAMETERS": text}, TYPES)["problems"]
        assert problem.startswith(f"CDK_DATABASE_CLUSTER_PARAMETERS '{text}' (it sets database_cluster_parameters) is not a JSON object")


def test_the_observability_switches_come_from_the_environment_as_booleans():
    result = cdk_variables({"CDK_XRAY_ENABLED": "true", "CDK_VPC_FLOW_LOGS_ENABLED": "false",
                            "CDK_DATABASE_SNAPSHOT_COPY_REGION": "us-west-2", "CDK_DATABASE_SNAPSHOT_COPY_KEEP": "3"}, TYPES)
    assert result["vars"] == {"xray_enabled": True, "vpc_flow_logs_enabled": False,
                              "database_snapshot_copy_region": "us-west-2", "database_snapshot_copy_keep": 3}


def test_the_production_switch_comes_from_the_environment_as_a_boolean():
    assert cdk_variables({"CDK_PRODUCTION": "true"}, TYPES)["vars"] == {"production": True}


# The inventory's own values: a prd inventory's group_vars (what hostvars holds, templated).
PRD_INVENTORY = {"environment_name": "prd", "database_max_capacity": 4, "task_memory_mb": "2048", "database_read_replica": True,
                 "schedule_task_cleanup_cron": None, "aws_account_id": "210987654321",
                 "database_cluster_parameters": {"work_mem": 8192}}


def contradicting(environ, inventory=None, extra_vars=()):
    result = cdk_variables(environ, TYPES)
    return contradictions(result, PRD_INVENTORY if inventory is None else inventory, set(extra_vars), TYPES)


def test_a_dev_env_file_against_the_prd_inventory_names_the_variable_both_values_and_the_ways_out():
    (found,) = contradicting({"CDK_ENVIRONMENT": "dev"})
    assert found == ("CDK_ENVIRONMENT 'dev' contradicts the inventory's environment_name 'prd': unset CDK_ENVIRONMENT (a .env sourced "
                     "for another environment?) or make the two agree; to override the inventory on purpose, pass "
                     "-e environment_name=dev instead.")


def test_every_contradiction_is_named_at_once():
    found = contradicting({"CDK_ENVIRONMENT": "dev", "CDK_ACCOUNT": "123456789012", "CDK_DATABASE_MAX_CAPACITY": "1",
                           "CDK_DATABASE_READ_REPLICA": "false", "CDK_SCHEDULE_TASK_CLEANUP_CRON": "0 2 * * *",
                           "CDK_DATABASE_CLUSTER_PARAMETERS": '{"work_mem": 4096}'})
    assert [line.split(" contradicts ")[0] for line in found] == [
        "CDK_ACCOUNT '123456789012'", "CDK_DATABASE_CLUSTER_PARAMETERS '{\"work_mem\": 4096}'", "CDK_DATABASE_MAX_CAPACITY '1.0'",
        "CDK_DATABASE_READ_REPLICA 'false'", "CDK_ENVIRONMENT 'dev'", "CDK_SCHEDULE_TASK_CLEANUP_CRON '0 2 * * *'"]
    assert "the inventory's database_read_replica 'true'" in found[3]
    assert "pass -e 'schedule_task_cleanup_cron=0 2 * * *' instead" in found[5]
    assert "pass -e '{\"database_cluster_parameters\": {\"work_mem\": 4096}}' instead" in found[1]


def test_a_value_that_agrees_with_the_inventory_read_as_its_type_is_no_contradiction():
    assert contradicting({"CDK_ENVIRONMENT": "prd", "CDK_DATABASE_MAX_CAPACITY": "4.0", "CDK_TASK_MEMORY_MB": "2048",
                          "CDK_DATABASE_READ_REPLICA": "yes", "CDK_SCHEDULE_TASK_CLEANUP_CRON": "",
                          "CDK_DATABASE_CLUSTER_PARAMETERS": '{"work_mem": 8192}', "CDK_ACCOUNT": "210987654321"}) == []
    assert contradicting({"CDK_DATABASE_READ_REPLICA": "true"}, {"database_read_replica": "yes"}) == []


def test_a_variable_the_inventory_does_not_set_takes_the_cdk_value_without_a_word():
    """Role defaults are not the inventory: the CDK_* value applies over them."""
    assert contradicting({"CDK_TAG_OU": "platform", "CDK_SERVICE_DESIRED_COUNT": "3"}) == []


def test_extra_vars_override_both_on_purpose_and_are_no_contradiction():
    assert contradicting({"CDK_ENVIRONMENT": "dev", "CDK_DATABASE_MAX_CAPACITY": "1"}, extra_vars=["environment_name"]) == [
        "CDK_DATABASE_MAX_CAPACITY '1.0' contradicts the inventory's database_max_capacity '4': unset CDK_DATABASE_MAX_CAPACITY "
        "(a .env sourced for another environment?) or make the two agree; to override the inventory on purpose, pass "
        "-e database_max_capacity=1.0 instead."]


def test_an_inventory_value_that_is_not_of_the_type_contradicts_a_cdk_value():
    assert contradicting({"CDK_DATABASE_READ_REPLICA": "true"}, {"database_read_replica": 1}) == []   # 1 is true to Ansible
    assert contradicting({"CDK_DATABASE_READ_REPLICA": "true"}, {"database_read_replica": "maybe"}) != []
    assert contradicting({"CDK_TASK_MEMORY_MB": "1024"}, {"task_memory_mb": "1GB"}) != []
    assert contradicting({"CDK_TASK_MEMORY_MB": "1"}, {"task_memory_mb": True}) != []
