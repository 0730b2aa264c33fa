"""nestjs_playground.infra.ecs_cluster against the local AWS endpoint, in the amazon.aws pattern:
create / modify / delete, each in check mode, for real, and again; the real state read after each.
Plus the cases the collection module gets wrong or that need care: the rerun of a cluster created
without capacity providers, a delete refused while the cluster has services (check mode told which
services an earlier task deletes), and a deleted (INACTIVE) cluster created again."""

import pytest

pytestmark = pytest.mark.integration

NAME = "module-test-cluster"
BARE = "module-test-bare"
MODULE = "nestjs_playground.infra.ecs_cluster"

CREATE = {
    "name": NAME,
    "container_insights": "enabled",
    "capacity_providers": ["FARGATE"],
    "default_capacity_provider_strategy": [{"capacity_provider": "FARGATE", "weight": 1, "base": 1}],
    "tags": {"App": "a", "Env": "dev", "Owner": "o"},
}
MODIFY = {
    "name": NAME,
    "container_insights": "enhanced",
    "capacity_providers": ["FARGATE_SPOT", "FARGATE"],
    "default_capacity_provider_strategy": [
        {"capacity_provider": "FARGATE_SPOT", "weight": 3},
        {"capacity_provider": "FARGATE", "weight": 1, "base": 1},
    ],
    "tags": {"App": "a", "Env": "qa"},
}
DELETE = {"name": NAME, "state": "absent"}


def observe(ecs, name=NAME):
    """What the emulator holds for the cluster, or None when it is missing or INACTIVE."""
    clusters = ecs.describe_clusters(clusters=[name], include=["SETTINGS", "TAGS"])["clusters"]
    if not clusters or clusters[0]["status"] == "INACTIVE":
        return None
    (cluster,) = clusters
    return {
        "status": cluster["status"],
        "settings": {s["name"]: s["value"] for s in cluster.get("settings", [])},
        "capacity_providers": sorted(cluster.get("capacityProviders", [])),
        "strategy": sorted(
            ({"provider": i["capacityProvider"], "weight": i.get("weight", 0), "base": i.get("base", 0)}
             for i in cluster.get("defaultCapacityProviderStrategy", [])),
            key=lambda i: i["provider"],
        ),
        "tags": {t["key"]: t["value"] for t in cluster.get("tags", [])},
    }


def add_service(ecs):
    ecs.register_task_definition(family="module-test-cluster-svc",
                                 containerDefinitions=[{"name": "a", "image": "nginx", "memory": 128}])
    ecs.create_service(cluster=NAME, serviceName="svc", taskDefinition="module-test-cluster-svc", desiredCount=0)


@pytest.fixture(scope="module")
def steps(ansible):
    ecs = ansible.client("ecs")
    out = {}

    def step(name, args, check=False, cluster=NAME):
        out[name] = (ansible.module(MODULE, args, check=check, diff=True), observe(ecs, cluster))

    step("create_check", CREATE, check=True)
    step("create", CREATE)
    step("create_again", CREATE)
    step("modify_check", MODIFY, check=True)
    step("modify", MODIFY)
    step("modify_again", MODIFY)
    add_service(ecs)
    step("delete_with_service", DELETE)
    step("delete_with_service_check", DELETE, check=True)
    step("delete_with_service_deleted_first_check", dict(DELETE, services_deleted_first=["svc"]), check=True)
    step("delete_with_service_other_deleted_first_check", dict(DELETE, services_deleted_first=["other"]), check=True)
    step("delete_with_service_deleted_first", dict(DELETE, services_deleted_first=["svc"]))
    ecs.delete_service(cluster=NAME, service="svc", force=True)  # the emulator keeps listing it, INACTIVE
    step("delete_check", DELETE, check=True)
    step("delete", DELETE)
    step("delete_again", DELETE)
    step("recreate", CREATE)
    step("bare_create", {"name": BARE}, cluster=BARE)
    step("bare_again", {"name": BARE}, cluster=BARE)
    step("bare_add_providers", {"name": BARE, "capacity_providers": ["FARGATE"]}, cluster=BARE)
    step("bare_add_providers_again", {"name": BARE, "capacity_providers": ["FARGATE"]}, cluster=BARE)
    return out


CREATED = {
    "status": "ACTIVE",
    "settings": {"containerInsights": "enabled"},
    "capacity_providers": ["FARGATE"],
    "strategy": [{"provider": "FARGATE", "weight": 1, "base": 1}],
    "tags": CREATE["tags"],
}
MODIFIED = {
    "status": "ACTIVE",
    "settings": {"containerInsights": "enhanced"},
    "capacity_providers": ["FARGATE", "FARGATE_SPOT"],
    "strategy": [{"provider": "FARGATE", "weight": 1, "base": 1}, {"provider": "FARGATE_SPOT", "weight": 3, "base": 0}],
    "tags": MODIFY["tags"],
}


def test_create_in_check_mode_reports_a_change_and_creates_nothing(steps):
    result, state = steps["create_check"]
    assert result["changed"] is True
    assert state is None
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["container_insights"] == "enabled"
    assert result["cluster"]["tags"] == CREATE["tags"]


def test_create_makes_the_cluster_with_setting_providers_strategy_and_tags(steps):
    result, state = steps["create"]
    assert result["changed"] is True
    assert state == CREATED
    assert result["cluster"]["cluster_arn"].endswith(":cluster/" + NAME)
    assert result["cluster"]["settings"] == {"containerInsights": "enabled"}
    assert result["cluster"]["default_capacity_provider_strategy"] == [{"capacity_provider": "FARGATE", "weight": 1, "base": 1}]


def test_create_again_changes_nothing(steps):
    result, state = steps["create_again"]
    assert result["changed"] is False
    assert state == CREATED
    assert result["cluster"]["tags"] == CREATE["tags"]


def test_modify_in_check_mode_reports_the_diff_and_modifies_nothing(steps):
    result, state = steps["modify_check"]
    assert result["changed"] is True
    assert state == CREATED
    diff = result["diff"]
    assert diff["before"]["container_insights"] == "enabled" and diff["after"]["container_insights"] == "enhanced"
    assert diff["before"]["capacity_providers"] == ["FARGATE"]
    assert diff["after"]["capacity_providers"] == ["FARGATE", "FARGATE_SPOT"]
    assert diff["after"]["tags"] == MODIFY["tags"]
    assert result["cluster"]["settings"] == {"containerInsights": "enhanced"}


def test_modify_updates_setting_providers_strategy_and_purges_the_dropped_tag(steps):
    result, state = steps["modify"]
    assert result["changed"] is True
    assert state == MODIFIED
    assert result["cluster"]["capacity_providers"] == ["FARGATE", "FARGATE_SPOT"]


def test_modify_again_changes_nothing(steps):
    result, state = steps["modify_again"]
    assert result["changed"] is False
    assert state == MODIFIED


def test_delete_of_a_cluster_with_a_service_fails_naming_the_cluster_and_the_count(steps):
    result, state = steps["delete_with_service"]
    assert result.get("failed") is True
    assert NAME in result["msg"] and "1 active service(s)" in result["msg"] and "svc" in result["msg"]
    assert state == MODIFIED


def test_delete_in_check_mode_of_a_cluster_with_a_service_fails_as_the_real_run_would(steps):
    result, state = steps["delete_with_service_check"]
    assert result.get("failed") is True and "1 active service(s)" in result["msg"]
    assert state == MODIFIED


def test_check_mode_does_not_count_a_service_an_earlier_task_deletes_and_deletes_nothing(steps):
    result, state = steps["delete_with_service_deleted_first_check"]
    assert result.get("failed") is not True, result
    assert result["changed"] is True
    assert result["diff"]["after"] == {}
    assert state == MODIFIED


def test_check_mode_still_fails_on_a_service_no_earlier_task_deletes(steps):
    result, state = steps["delete_with_service_other_deleted_first_check"]
    assert result.get("failed") is True and "1 active service(s) (svc)" in result["msg"]
    assert state == MODIFIED


def test_the_real_run_counts_every_service_even_one_said_to_be_deleted_first(steps):
    result, state = steps["delete_with_service_deleted_first"]
    assert result.get("failed") is True and "1 active service(s) (svc)" in result["msg"]
    assert state == MODIFIED


def test_delete_in_check_mode_reports_a_change_and_deletes_nothing(steps):
    result, state = steps["delete_check"]
    assert result["changed"] is True
    assert state == MODIFIED
    assert result["diff"]["after"] == {} and result["diff"]["before"]["container_insights"] == "enhanced"


def test_delete_makes_the_cluster_inactive(steps):
    result, state = steps["delete"]
    assert result["changed"] is True
    assert state is None


def test_delete_again_changes_nothing(steps):
    result, state = steps["delete_again"]
    assert result["changed"] is False
    assert state is None


def test_a_deleted_inactive_cluster_is_created_again(steps):
    result, state = steps["recreate"]
    assert result["changed"] is True
    assert state == CREATED


def test_a_cluster_created_without_providers_is_not_changed_on_rerun(steps):
    # community.aws.ecs_cluster fails here with KeyError 'capacityProviders'.
    created, state = steps["bare_create"]
    assert created["changed"] is True and state["capacity_providers"] == []
    result, state = steps["bare_again"]
    assert result.get("failed") is not True
    assert result["changed"] is False
    assert result["cluster"]["capacity_providers"] == []


def test_capacity_providers_are_added_to_a_cluster_created_without_them(steps):
    result, state = steps["bare_add_providers"]
    assert result["changed"] is True
    assert state["capacity_providers"] == ["FARGATE"] and state["strategy"] == []
    again, state = steps["bare_add_providers_again"]
    assert again["changed"] is False and state["capacity_providers"] == ["FARGATE"]
