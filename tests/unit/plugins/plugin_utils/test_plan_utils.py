"""plan.yml's report: from changed task results to a plan named by tier, task, resource and field."""

import pytest

from ansible_collections.nestjs_playground.infra.plugins.plugin_utils import plan

TIERS = ["database", "ecr", "compute", "scheduler"]
TG_TASK = "Ensure the target group checks /v1/health on the application port"


def changed(diff=None, **extra):
    result = {"changed": True, **extra}
    if diff is not None:
        result["diff"] = diff
    return result


@pytest.mark.parametrize("args, name", [
    ({"name": "nestjs-playground-dev-tg", "vpc_id": "vpc-1"}, "nestjs-playground-dev-tg"),
    ({"family": "nestjs-playground-dev"}, "nestjs-playground-dev"),
    ({"db_instance_identifier": "db-writer", "db_cluster_identifier": "db"}, "db-writer"),
    ({"name": "db-credentials", "db_cluster_identifier": "db"}, "db-credentials"),
    ({"log_group_name": "/ecs/app"}, "/ecs/app"),
    ({"record": "api.example.com", "zone": "example.com"}, "api.example.com"),
    ({"cluster": "c", "service": "svc", "policy_name": "svc-cpu"}, "svc"),
    ({"load_balancer_arn": "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/my-alb/0123", "port": 443}, "my-alb:443"),
    ({"vpc_id": "vpc-1"}, ""),
    (None, ""),
])
def test_the_resource_is_named_from_the_module_arguments(args, name):
    assert plan.resource_name(args) == name


def test_differences_name_each_changed_leaf_by_its_dotted_path():
    before = {"health_check": {"path": "/edited", "port": "3000"}, "tags": {"Env": "dev", "Old": "x"}, "ports": [80]}
    after = {"health_check": {"path": "/v1/health", "port": "3000"}, "tags": {"Env": "dev"}, "ports": [80, 443]}
    assert plan.differences(before, after) == {
        "health_check.path": {"before": "/edited", "after": "/v1/health"},
        "ports": {"before": [80], "after": [80, 443]},
        "tags.Old": {"before": "x", "after": None},
    }


def test_a_drifted_field_is_a_change_naming_the_field():
    (entry,) = plan.change_entries(TG_TASK, "nestjs_playground.infra.alb_target_group", {"name": "tg"},
                                   changed({"before": {"health_check_path": "/edited"}, "after": {"health_check_path": "/v1/health"}}))
    assert entry == {"action": "change", "task": TG_TASK, "module": "nestjs_playground.infra.alb_target_group",
                     "resource": "tg", "diff": True,
                     "fields": {"health_check_path": {"before": "/edited", "after": "/v1/health"}}}


def test_a_diff_from_nothing_is_a_create_and_lists_no_fields():
    (entry,) = plan.change_entries("t", "m", {"name": "r"}, changed({"before": {}, "after": {"scan_on_push": True}}))
    assert (entry["action"], entry["fields"]) == ("create", {})


@pytest.mark.parametrize("args, diff", [
    ({"name": "r", "state": "absent"}, None),
    ({"name": "r"}, {"before": {"desired_count": 1}, "after": {}}),
])
def test_state_absent_or_a_diff_to_nothing_is_a_remove(args, diff):
    (entry,) = plan.change_entries("t", "m", args, changed(diff))
    assert entry["action"] == "remove"


def test_a_module_without_a_diff_is_a_change_without_fields_and_says_so():
    (entry,) = plan.change_entries("Ensure the writer", "amazon.aws.rds_instance", {"db_instance_identifier": "w"}, changed())
    assert (entry["action"], entry["fields"], entry["diff"]) == ("change", {}, False)
    assert plan.change_line(dict(entry, tier="database")).endswith("w (the module shows no diff) - Ensure the writer")


def test_a_list_of_diffs_is_read_as_one():
    diff = [{"before": {"group_name": "app", "ip_permissions": [1, 2], "security_group_arn": "arn:sg"},
             "after": {"group_name": "app", "ip_permissions": [2]}}]
    (entry,) = plan.change_entries("t", "amazon.aws.ec2_security_group", {"name": "app"}, changed(diff))
    # The ARN the module leaves out of its check-mode "after" is not reported as going away.
    assert entry["fields"] == {"ip_permissions": {"before": [1, 2], "after": [2]}}


def test_an_unpredicted_field_is_still_shown_when_it_is_the_only_difference():
    (entry,) = plan.change_entries("t", "m", {}, changed({"before": {"arn": "a"}, "after": {}}, ))
    assert entry["action"] == "remove"
    (entry,) = plan.change_entries("t", "m", {}, changed({"before": {"arn": "a", "x": 1}, "after": {"x": 1}}))
    assert entry["fields"] == {"arn": {"before": "a", "after": None}}


def test_the_module_view_of_the_arguments_wins_over_the_task_arguments():
    result = changed({"before": {"a": 1}, "after": {"a": 2}}, invocation={"module_args": {"name": "from-module"}})
    (entry,) = plan.change_entries("t", "m", {"name": "{{ templated }}"}, result)
    assert entry["resource"] == "from-module"


def test_an_unchanged_result_records_nothing():
    assert plan.change_entries("t", "m", {"name": "r"}, {"changed": False, "diff": {"before": {"a": 1}, "after": {"a": 2}}}) == []


def test_a_loop_records_one_entry_per_changed_item():
    result = changed(results=[
        {"changed": True, "invocation": {"module_args": {"name": "one"}}, "diff": {"before": {"a": 1}, "after": {"a": 2}}},
        {"changed": False, "invocation": {"module_args": {"name": "two"}}},
        {"changed": True, "invocation": {"module_args": {"name": "three", "state": "absent"}}},
    ])
    assert [(e["resource"], e["action"]) for e in plan.change_entries("t", "m", {}, result)] == [("one", "change"), ("three", "remove")]


@pytest.mark.parametrize("tags, role, tier", [
    (["compute"], "nestjs_playground.infra.ecs_service", "compute"),
    (["always", "scheduler"], "nestjs_playground.infra.ecs_scheduler", "scheduler"),
    (["compute", "database", "ecr", "network", "scheduler"], "nestjs_playground.infra.network_lookup", "network_lookup"),
    ([], None, "site"),
])
def test_each_change_goes_to_the_one_tier_among_its_tags(tags, role, tier):
    assert plan.tier_of(tags, role, TIERS) == tier


def entry(action, module, resource, tags, fields=None):
    return {"action": action, "task": f"Ensure {resource}", "module": module, "resource": resource,
            "fields": fields or {}, "diff": True, "tags": tags, "role": None}


def test_the_plan_counts_each_action_and_groups_the_changes_in_the_order_of_the_tiers():
    entries = [
        entry("change", "nestjs_playground.infra.alb_target_group", "tg", ["compute"],
              {"health_check_path": {"before": "/edited", "after": "/v1/health"}}),
        entry("create", "nestjs_playground.infra.ecr_repository", "repo", ["ecr"]),
        entry("remove", "amazon.aws.rds_instance", "reader", ["database"]),
    ]
    result = plan.build_plan(entries, TIERS)
    assert result["changes"] == 3
    assert result["counts"] == {"create": 1, "change": 1, "remove": 1}
    assert list(result["tiers"]) == ["database", "ecr", "compute"]
    assert [c["resource"] for c in result["items"]] == ["tg", "repo", "reader"]
    assert plan.summary_lines(result, "app-dev", "us-east-1") == [
        "Plan for app-dev in us-east-1: 3 changes (1 to create, 1 to change, 1 to remove)",
        "database:",
        "  - remove rds_instance reader - Ensure reader",
        "ecr:",
        "  + create ecr_repository repo - Ensure repo",
        "compute:",
        '  ~ change alb_target_group tg (health_check_path "/edited" -> "/v1/health") - Ensure tg',
    ]


def test_no_change_is_one_line_saying_so():
    assert plan.summary_lines(plan.build_plan([], TIERS), "app-dev", "us-east-1") == [
        "No changes: app-dev in us-east-1 matches its inventory."]


def test_a_long_value_is_left_out_of_the_line_but_the_field_is_named():
    change = entry("change", "amazon.aws.ec2_security_group", "app", ["compute"],
                   {"ip_permissions": {"before": [{"from_port": 22}] * 5, "after": []}})
    assert plan.change_line(dict(change, tier="compute")) == "  ~ change ec2_security_group app (ip_permissions) - Ensure app"


def test_the_record_is_per_host_and_unknown_until_the_callback_is_loaded(monkeypatch):
    monkeypatch.setattr(plan, "RECORDER", {"active": False, "hosts": {}})
    assert plan.recorded("h1") is None
    plan.activate()
    assert plan.recorded("h1") == []
    plan.record("h1", [{"resource": "a"}])
    plan.record("h2", [{"resource": "b"}])
    assert plan.recorded("h1") == [{"resource": "a"}]
