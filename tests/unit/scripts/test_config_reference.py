"""docs/configuration.md is what the roles' argument specs say, and names every input once."""

import config_reference


def test_the_committed_reference_is_up_to_date():
    with open(config_reference.OUTPUT, encoding="utf-8") as handle:
        assert handle.read() == config_reference.render(), "docs/configuration.md is out of date: run `make docs`"


def test_every_cdk_variable_of_the_specification_is_in_the_reference():
    text = config_reference.render()
    for name in ("CDK_ENVIRONMENT", "CDK_ACCOUNT", "CDK_REGION", "CDK_HOSTED_ZONE_ID", "CDK_DATABASE_MIN_CAPACITY",
                 "CDK_DATABASE_READ_REPLICA", "CDK_TASK_MEMORY_MB", "CDK_SERVICE_MAX_CAPACITY",
                 "CDK_SCHEDULE_TASK_CLEANUP_CRON", "CDK_SCHEDULER_TASK_CPU_UNITS", "CDK_APP_JWT_EXPIRES_IN", "CDK_TAG_OWNER"):
        assert f"`{name}`" in text
