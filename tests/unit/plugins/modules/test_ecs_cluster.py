import pytest

from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import MISSING
from ansible_collections.nestjs_playground.infra.plugins.modules.ecs_cluster import blocking_services
from ansible_collections.nestjs_playground.infra.plugins.modules.ecs_cluster import current_state
from ansible_collections.nestjs_playground.infra.plugins.modules.ecs_cluster import desired_state
from ansible_collections.nestjs_playground.infra.plugins.modules.ecs_cluster import normalise_strategy
from ansible_collections.nestjs_playground.infra.plugins.modules.ecs_cluster import plan
from ansible_collections.nestjs_playground.infra.plugins.modules.ecs_cluster import predicted_cluster
from ansible_collections.nestjs_playground.infra.plugins.modules.ecs_cluster import strategy_for_api

ARN = "arn:aws:ecs:us-east-1:123456789012:cluster/nestjs-playground-dev"
TAGS = {"App": "nestjs-playground", "Env": "dev"}
STRATEGY = [{"capacity_provider": "FARGATE", "weight": 1, "base": 1}, {"capacity_provider": "FARGATE_SPOT", "weight": 3, "base": 0}]


def described(**overrides):
    """A cluster as DescribeClusters(include=[SETTINGS, TAGS]) returns it on AWS."""
    cluster = {
        "clusterArn": ARN,
        "clusterName": "nestjs-playground-dev",
        "status": "ACTIVE",
        "registeredContainerInstancesCount": 0,
        "runningTasksCount": 0,
        "pendingTasksCount": 0,
        "activeServicesCount": 0,
        "statistics": [],
        "tags": [{"key": "App", "value": "nestjs-playground"}, {"key": "Env", "value": "dev"}],
        "settings": [{"name": "containerInsights", "value": "enabled"}],
        "capacityProviders": ["FARGATE_SPOT", "FARGATE"],
        "defaultCapacityProviderStrategy": [
            {"capacityProvider": "FARGATE_SPOT", "weight": 3, "base": 0},
            {"capacityProvider": "FARGATE", "weight": 1, "base": 1},
        ],
    }
    cluster.update(overrides)
    return {key: value for key, value in cluster.items() if value is not MISSING}


def params(**overrides):
    base = {"container_insights": "enabled", "capacity_providers": ["FARGATE", "FARGATE_SPOT"],
            "default_capacity_provider_strategy": [{"capacity_provider": "FARGATE", "weight": 1, "base": 1},
                                                   {"capacity_provider": "FARGATE_SPOT", "weight": 3, "base": None}]}
    base.update(overrides)
    return base


def unset(**overrides):
    return params(**dict({"container_insights": None, "capacity_providers": None, "default_capacity_provider_strategy": None}, **overrides))


# normalise_strategy / current_state --------------------------------------------------------------

@pytest.mark.parametrize(
    "items",
    [
        [{"capacityProvider": "FARGATE_SPOT", "weight": 3}, {"capacityProvider": "FARGATE", "weight": 1, "base": 1}],
        [{"capacity_provider": "FARGATE", "weight": 1, "base": 1}, {"capacity_provider": "FARGATE_SPOT", "weight": 3, "base": None}],
        [{"capacityProvider": "FARGATE", "weight": 1, "base": 1}, {"capacityProvider": "FARGATE_SPOT", "weight": 3, "base": 0}],
    ],
    ids=["api-shape-no-base", "module-shape", "api-shape-full"],
)
def test_normalise_strategy_fills_aws_defaults_and_sorts(items):
    assert normalise_strategy(items) == STRATEGY


def test_strategy_for_api_is_camel_case():
    assert strategy_for_api(STRATEGY[:1]) == [{"capacityProvider": "FARGATE", "weight": 1, "base": 1}]


def test_current_state_reads_settings_providers_strategy_and_tags():
    state = current_state(described())
    assert state == {
        "cluster_name": "nestjs-playground-dev",
        "cluster_arn": ARN,
        "status": "ACTIVE",
        "settings": {"containerInsights": "enabled"},
        "container_insights": "enabled",
        "capacity_providers": ["FARGATE", "FARGATE_SPOT"],
        "default_capacity_provider_strategy": STRATEGY,
        "tags": TAGS,
    }


@pytest.mark.parametrize("cluster", [None, {}, described(status="INACTIVE")], ids=["none", "empty", "inactive"])
def test_current_state_of_a_missing_or_inactive_cluster_is_none(cluster):
    assert current_state(cluster) is None


def test_current_state_of_a_cluster_without_providers_as_the_emulator_returns_it():
    # The emulator leaves out capacityProviders/defaultCapacityProviderStrategy (and tags) for a cluster
    # created without them, the KeyError of community.aws.ecs_cluster; they read as empty.
    state = current_state(described(capacityProviders=MISSING, defaultCapacityProviderStrategy=MISSING, tags=MISSING))
    assert state["capacity_providers"] == [] and state["default_capacity_provider_strategy"] == [] and state["tags"] == {}


def test_current_state_without_the_setting_is_missing_not_disabled():
    assert current_state(described(settings=MISSING))["container_insights"] is MISSING


def test_desired_state_leaves_unset_options_none_and_sorts_providers():
    assert desired_state(unset(capacity_providers=["FARGATE_SPOT", "FARGATE"])) == {
        "container_insights": None,
        "capacity_providers": ["FARGATE", "FARGATE_SPOT"],
        "default_capacity_provider_strategy": None,
    }


# plan: creation -----------------------------------------------------------------------------------

def test_plan_creates_an_absent_cluster_with_everything_in_one_call():
    result = plan(desired_state(params()), None, TAGS, True)
    assert result["create"] is True and result["changed"] is True
    assert result["writes"] == []
    assert result["before"] == {}
    assert result["after"] == {"container_insights": "enabled", "capacity_providers": ["FARGATE", "FARGATE_SPOT"],
                               "default_capacity_provider_strategy": STRATEGY, "tags": TAGS}


def test_plan_creates_a_bare_cluster_without_asking_for_a_setting():
    result = plan(desired_state(unset()), None, None, True)
    assert result["create"] is True
    assert result["after"] == {"capacity_providers": [], "default_capacity_provider_strategy": [], "tags": {}}


# plan: existing cluster ----------------------------------------------------------------------------

def test_plan_is_a_no_op_when_the_cluster_matches_in_another_order():
    result = plan(desired_state(params()), current_state(described()), dict(TAGS), True)
    assert result["changed"] is False and result["writes"] == []
    assert result["tags_to_set"] == {} and result["tags_to_remove"] == []
    assert result["before"] == result["after"]


def test_plan_with_nothing_asked_leaves_the_cluster_alone():
    result = plan(desired_state(unset()), current_state(described()), None, True)
    assert result["changed"] is False and result["after"] == result["before"]


def test_plan_on_a_cluster_without_providers_asked_for_none_is_a_no_op():
    current = current_state(described(capacityProviders=MISSING, defaultCapacityProviderStrategy=MISSING))
    assert plan(desired_state(params(capacity_providers=[], default_capacity_provider_strategy=[])), current, TAGS, True)["changed"] is False


@pytest.mark.parametrize("value", ["disabled", "enhanced"])
def test_plan_updates_only_the_setting_when_container_insights_differs(value):
    result = plan(desired_state(params(container_insights=value)), current_state(described()), TAGS, True)
    assert result["writes"] == ["settings"] and result["changed"] is True
    assert result["before"]["container_insights"] == "enabled" and result["after"]["container_insights"] == value


def test_plan_does_not_act_on_a_setting_aws_did_not_return():
    result = plan(desired_state(params()), current_state(described(settings=MISSING)), TAGS, True)
    assert result["writes"] == [] and result["changed"] is False
    assert "container_insights" not in result["before"]


def test_plan_puts_providers_and_keeps_the_current_strategy_when_only_providers_are_asked():
    current = current_state(described(capacityProviders=["FARGATE"],
                                      defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1, "base": 1}]))
    result = plan(desired_state(unset(capacity_providers=["FARGATE", "FARGATE_SPOT"])), current, TAGS, True)
    assert result["writes"] == ["capacity_providers"]
    assert result["after"]["capacity_providers"] == ["FARGATE", "FARGATE_SPOT"]
    assert result["after"]["default_capacity_provider_strategy"] == STRATEGY[:1]


def test_plan_puts_the_strategy_with_the_current_providers_when_only_the_strategy_is_asked():
    new = [{"capacity_provider": "FARGATE_SPOT", "weight": 1, "base": 0}]
    result = plan(desired_state(unset(default_capacity_provider_strategy=new)), current_state(described()), TAGS, True)
    assert result["writes"] == ["capacity_providers"]
    assert result["after"]["capacity_providers"] == ["FARGATE", "FARGATE_SPOT"]
    assert result["after"]["default_capacity_provider_strategy"] == new


def test_plan_puts_providers_once_when_both_lists_differ_and_the_setting_too():
    result = plan(desired_state(params(container_insights="disabled", capacity_providers=[], default_capacity_provider_strategy=[])),
                  current_state(described()), TAGS, True)
    assert result["writes"] == ["settings", "capacity_providers"]


@pytest.mark.parametrize(
    "strategy",
    [
        [{"capacity_provider": "FARGATE", "weight": 2, "base": 1}, {"capacity_provider": "FARGATE_SPOT", "weight": 3}],
        [{"capacity_provider": "FARGATE", "weight": 1, "base": 0}, {"capacity_provider": "FARGATE_SPOT", "weight": 3}],
        [{"capacity_provider": "FARGATE", "weight": 1, "base": 1}],
    ],
    ids=["weight", "base", "item-removed"],
)
def test_plan_detects_a_strategy_change(strategy):
    result = plan(desired_state(params(default_capacity_provider_strategy=strategy)), current_state(described()), TAGS, True)
    assert result["writes"] == ["capacity_providers"]


def test_plan_retags_only_when_tags_differ():
    result = plan(desired_state(params()), current_state(described()), {"App": "nestjs-playground", "Owner": "platform"}, True)
    assert result["writes"] == [] and result["changed"] is True
    assert result["tags_to_set"] == {"Owner": "platform"} and result["tags_to_remove"] == ["Env"]
    assert result["after"]["tags"] == {"App": "nestjs-playground", "Owner": "platform"}


def test_plan_without_purge_tags_keeps_other_tags():
    result = plan(desired_state(params()), current_state(described()), {"App": "nestjs-playground"}, False)
    assert result["changed"] is False and result["after"]["tags"] == TAGS


# predicted_cluster ----------------------------------------------------------------------------------

def test_predicted_cluster_applies_the_plan_to_the_current_cluster():
    current = current_state(described())
    result = plan(desired_state(params(container_insights="enhanced")), current, {"Env": "qa"}, True)
    assert predicted_cluster("nestjs-playground-dev", current, result["after"]) == {
        "cluster_name": "nestjs-playground-dev",
        "cluster_arn": ARN,
        "status": "ACTIVE",
        "settings": {"containerInsights": "enhanced"},
        "capacity_providers": ["FARGATE", "FARGATE_SPOT"],
        "default_capacity_provider_strategy": STRATEGY,
        "tags": {"Env": "qa"},
    }


def test_predicted_cluster_before_creation_has_no_arn():
    result = plan(desired_state(unset()), None, None, True)
    predicted = predicted_cluster("c", None, result["after"])
    assert "cluster_arn" not in predicted and predicted["settings"] == {}


# module_utils.ecs_tags (shared with ecs_task_definition and ecs_service) -------------------------------

def test_ecs_tags_convert_both_ways_in_the_lower_case_ecs_shape():
    from ansible_collections.nestjs_playground.infra.plugins.module_utils.ecs_tags import ecs_tag_list, ecs_tags_to_dict

    assert ecs_tag_list({"App": "a"}) == [{"key": "App", "value": "a"}]
    assert ecs_tags_to_dict([{"key": "App", "value": "a"}]) == {"App": "a"}
    assert ecs_tags_to_dict(None) == {} and ecs_tag_list(None) == []


# blocking_services (state=absent) ------------------------------------------------------------------

def test_blocking_services_in_a_real_run_are_every_active_service_even_those_said_to_be_deleted_first():
    assert blocking_services(["app", "scheduler"], ["app", "scheduler"], False) == ["app", "scheduler"]


def test_blocking_services_in_check_mode_leave_out_those_an_earlier_task_deletes():
    assert blocking_services(["app", "other", "scheduler"], ["scheduler", "app"], True) == ["other"]


@pytest.mark.parametrize("deleted_first", [[], None])
def test_blocking_services_in_check_mode_without_a_list_are_every_active_service(deleted_first):
    assert blocking_services(["app"], deleted_first, True) == ["app"]


@pytest.mark.parametrize("check_mode", [False, True])
def test_blocking_services_of_a_cluster_without_services_are_none(check_mode):
    assert blocking_services([], ["app"], check_mode) == []
