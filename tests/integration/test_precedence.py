"""Variable precedence, as README.md's table gives it: role defaults < inventory < CDK_* environment
variables < extra vars (-e). Each run applies the configuration contract alone (no AWS call) with the
shipped dev inventory, or with it less the variables the CDK_* environment sets, and shows what the roles
would see. A CDK_* value that contradicts the inventory's own value is refused before any AWS call; -e still
overrides both on purpose."""

import os

import pytest
import yaml

from conftest import DEV_HOST
from conftest import ROOT
from conftest import write_inventory
from resources import requests_served

pytestmark = pytest.mark.integration

PLAYBOOK = "tests/integration/playbooks/show_configuration.yml"
SHOW = ["environment_name", "deployment_name", "tag_ou", "app_logging_level", "scheduler_task_cpu_units",
        "database_max_capacity", "database_read_replica", "schedule_task_cleanup_cron", "scheduler_enabled"]
CDK_ENV = {
    "CDK_ENVIRONMENT": "qa",                      # over the inventory's dev
    "CDK_DATABASE_MAX_CAPACITY": "4",             # over the inventory's 1
    "CDK_TAG_OU": "platform",                     # over the config role's default
    "CDK_SCHEDULER_TASK_CPU_UNITS": "512",        # over the ecs_scheduler role's default
    "CDK_SCHEDULER_TASK_MEMORY_MB": "1024",
    "CDK_DATABASE_READ_REPLICA": "true",
    "CDK_SCHEDULE_TASK_CLEANUP_CRON": "0 2 * * *",
    "CDK_APP_NAME": "billing-api",
    "CDK_DATABSE_MIN_CAPACITY": "1",              # a typo: warned about, ignored
}


def shown(run, host=DEV_HOST):
    assert run.rc == 0, run
    return run.result("Show the effective values", host)["msg"]


# A shell that sourced dev's .env, running against the prd inventory.
DEV_ENV_FILE = {"CDK_ENVIRONMENT": "dev", "CDK_DATABASE_MAX_CAPACITY": "1", "CDK_TASK_MEMORY_MB": "2048", "CDK_TAG_OU": "platform"}
CONTRADICTION_CHECK = "Check that no CDK_* value contradicts the inventory"
PRD_HOST = "nestjs-playground-prd"


def dev_inventory_without(directory, *names):
    """The shipped dev inventory's variables, less ``names`` (left to the CDK_* environment)."""
    with open(os.path.join(ROOT, "inventories", "dev", "group_vars", "deployments.yml"), encoding="utf-8") as handle:
        variables = yaml.safe_load(handle)
    return write_inventory(directory, {name: value for name, value in variables.items() if name not in names})


@pytest.fixture(scope="module")
def runs(ansible, emulator, tmp_path_factory):
    # The CDK_* environment names the environment and sizes the database; the inventory leaves both to it.
    open_inventory = dev_inventory_without(tmp_path_factory.mktemp("inventory"), "environment_name", "database_max_capacity")

    def run(env=None, extra=(), inventory=open_inventory):
        return ansible.playbook(PLAYBOOK, inventory, extra_vars=[{"show": SHOW}, *extra], env=env)

    before = requests_served(emulator)
    contradiction = ansible.playbook("site.yml", "inventories/prd", env=DEV_ENV_FILE)
    served = requests_served(emulator) - before
    return {
        "plain": run(inventory="inventories/dev"),
        "cdk": run(env=CDK_ENV),
        "cdk_and_extra": run(env=CDK_ENV, extra=[{"database_max_capacity": 8, "tag_ou": "sre", "schedule_task_cleanup_cron": ""}]),
        "bad": run(env={"CDK_TASK_MEMORY_MB": "1GB", "CDK_DATABASE_READ_REPLICA": "maybe"}),
        "no_environment": run(env={"CDK_ENVIRONMENT": "prd"}),
        "contradiction": (contradiction, served),
        "contradiction_on_the_dev_inventory": run(env=CDK_ENV, inventory="inventories/dev"),
        "override": ansible.playbook(PLAYBOOK, "inventories/prd", env=DEV_ENV_FILE,
                                     extra_vars=[{"show": SHOW}, {"environment_name": "dev", "database_max_capacity": 1}]),
    }


def test_role_defaults_apply_below_the_inventory(runs):
    values = shown(runs["plain"])
    assert values["tag_ou"] == "engineering"
    assert values["scheduler_task_cpu_units"] == 256
    assert values["app_logging_level"] == "info"
    assert values["scheduler_enabled"] is False


def test_the_inventory_applies_over_role_defaults(runs):
    values = shown(runs["plain"])
    assert values["environment_name"] == "dev"
    assert values["database_max_capacity"] == 1


def test_cdk_variables_apply_where_the_inventory_leaves_them_and_over_the_defaults_with_their_types(runs):
    values = shown(runs["cdk"])
    assert values["environment_name"] == "qa"
    assert values["database_max_capacity"] == 4.0 and isinstance(values["database_max_capacity"], float)
    assert values["tag_ou"] == "platform"
    assert values["scheduler_task_cpu_units"] == 512
    assert values["database_read_replica"] is True
    assert values["schedule_task_cleanup_cron"] == "0 2 * * *"
    assert values["scheduler_enabled"] is True


def test_the_names_derived_from_cdk_variables_follow_them(runs):
    assert shown(runs["cdk"])["deployment_name"] == "billing-api-qa"


def test_an_unknown_cdk_variable_is_named_in_a_warning_and_ignored(runs):
    assert "CDK_DATABSE_MIN_CAPACITY" in runs["cdk"].stderr + runs["cdk"].stdout
    assert shown(runs["cdk"])["database_max_capacity"] == 4.0   # the run went on


def test_extra_vars_apply_over_cdk_variables(runs):
    values = shown(runs["cdk_and_extra"])
    assert values["database_max_capacity"] == 8
    assert values["tag_ou"] == "sre"
    assert values["schedule_task_cleanup_cron"] == "" and values["scheduler_enabled"] is False
    assert values["environment_name"] == "qa"   # not given with -e: the CDK variable still applies


def test_a_cdk_value_of_the_wrong_type_stops_the_run_naming_every_problem(runs):
    run = runs["bad"]
    assert run.rc != 0
    message = run.failure()
    assert "The CDK_* environment variables are not usable" in message
    assert "CDK_TASK_MEMORY_MB '1GB' (it sets task_memory_mb) is not a whole number" in message
    assert "CDK_DATABASE_READ_REPLICA 'maybe' (it sets database_read_replica) is not a boolean" in message
    assert [name for name, _ in run.results()][-1] == "Check that every CDK_* value fits its variable's type"


def test_cdk_environment_alone_can_name_the_environment(runs):
    assert shown(runs["no_environment"])["environment_name"] == "prd"


def test_a_dev_env_file_against_the_prd_inventory_is_refused_naming_both_values_before_any_aws_call(runs):
    run, served = runs["contradiction"]
    assert run.rc != 0
    message = run.failure(PRD_HOST)
    assert message.startswith(f"The CDK_* environment variables contradict the inventory of {PRD_HOST} (nothing was changed):")
    assert ("CDK_ENVIRONMENT 'dev' contradicts the inventory's environment_name 'prd': unset CDK_ENVIRONMENT (a .env sourced "
            "for another environment?) or make the two agree; to override the inventory on purpose, pass -e environment_name=dev "
            "instead.") in message
    assert "CDK_DATABASE_MAX_CAPACITY '1.0' contradicts the inventory's database_max_capacity '8'" in message
    assert "-e database_max_capacity=1.0" in message
    assert "CDK_TASK_MEMORY_MB" not in message   # 2048 is what the inventory says too
    assert "CDK_TAG_OU" not in message   # the inventory does not set tag_ou: the role default is no contradiction
    assert message.count("\n- ") == 2
    ran = [name for name, _ in run.results(PRD_HOST)]
    assert ran[-1] == CONTRADICTION_CHECK
    assert "Apply the CDK_* environment variables over the inventory" not in ran
    assert served == 0


def test_the_cdk_environment_contradicting_the_shipped_dev_inventory_is_refused(runs):
    run = runs["contradiction_on_the_dev_inventory"]
    assert run.rc != 0
    message = run.failure()
    assert "CDK_ENVIRONMENT 'qa' contradicts the inventory's environment_name 'dev'" in message
    assert "CDK_DATABASE_MAX_CAPACITY '4.0' contradicts the inventory's database_max_capacity '1'" in message
    assert [name for name, _ in run.results()][-1] == CONTRADICTION_CHECK


def test_extra_vars_still_override_the_inventory_on_purpose(runs):
    values = shown(runs["override"], PRD_HOST)
    assert values["environment_name"] == "dev"
    assert values["database_max_capacity"] == 1
    assert values["tag_ou"] == "platform"   # the CDK_* value the inventory leaves to it still applies
