"""The API names of snake_case fields (plugins/module_utils/api_names.py)."""

import pytest

from ansible_collections.nestjs_playground.infra.plugins.module_utils.api_names import camel_case


@pytest.mark.parametrize(("name", "api_name"), [
    ("cpu", "cpu"),
    ("execution_role_arn", "executionRoleArn"),
    ("health_check_grace_period_seconds", "healthCheckGracePeriodSeconds"),
])
def test_a_snake_case_name_is_the_api_s_camel_case_name(name, api_name):
    assert camel_case(name) == api_name


def test_an_exception_gives_the_api_s_own_name():
    assert camel_case("enable_ecs_managed_tags", {"enable_ecs_managed_tags": "enableECSManagedTags"}) == "enableECSManagedTags"
    assert camel_case("propagate_tags", {"enable_ecs_managed_tags": "enableECSManagedTags"}) == "propagateTags"
