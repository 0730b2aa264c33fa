"""Variable precedence, as README.md's table gives it: role defaults < inventory < CDK_* environment
variables < extra vars (-e). Each run applies the configuration contract alone (no AWS call) with the
shipped dev inventory and shows what the roles would see."""

import pytest

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


def shown(run):
    assert run.rc == 0, run
    return run.result("Show the effective values")["msg"]


@pytest.fixture(scope="module")
def runs(ansible):
    def run(env=None, extra=()):
        return ansible.playbook(PLAYBOOK, extra_vars=[{"show": SHOW}, *extra], env=env)

    return {
        "plain": run(),
        "cdk": run(env=CDK_ENV),
        "cdk_and_extra": run(env=CDK_ENV, extra=[{"database_max_capacity": 8, "tag_ou": "sre", "schedule_task_cleanup_cron": ""}]),
        "bad": run(env={"CDK_TASK_MEMORY_MB": "1GB", "CDK_DATABASE_READ_REPLICA": "maybe"}),
        "no_environment": ansible.playbook(PLAYBOOK, "inventories/dev", extra_vars=[{"show": SHOW}],
                                           env={"CDK_ENVIRONMENT": "prd"}),
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


def test_cdk_variables_apply_over_the_inventory_and_the_defaults_with_their_types(runs):
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
