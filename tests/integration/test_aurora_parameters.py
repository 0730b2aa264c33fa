"""Encryption in transit (spec: Data Security): the Aurora cluster's own parameter group, against one local
AWS endpoint, through site.yml (`--tags network,database`). Converge and rerun; a cluster still on the
engine's default group (as every cluster made before this group existed) is moved onto it, with a warning
that its instances use it from their next reboot; a user parameter added through database_cluster_parameters
(in check mode, then from the CDK_* environment, then again as an extra variable) and taken out again (check
mode: the emulator cannot reset a parameter, docs/emulator-gaps.md); rds.force_ssl = 0 refused."""

import pytest

from conftest import converged

pytestmark = pytest.mark.integration

CLUSTER = "nestjs-playground-dev"
GROUP_TASK = "Ensure the cluster parameter group refuses plaintext connections and holds database_cluster_parameters"
CLUSTER_TASK = "Ensure the encrypted Aurora Serverless v2 PostgreSQL cluster"
SLOW_QUERIES = {"database_cluster_parameters": {"log_min_duration_statement": 500}}


def observe(ansible):
    rds = ansible.client("rds")
    groups = {g["DBClusterParameterGroupName"]: g for g in rds.describe_db_cluster_parameter_groups()["DBClusterParameterGroups"]}
    group = groups.get(CLUSTER)
    return {
        "cluster": rds.describe_db_clusters(DBClusterIdentifier=CLUSTER)["DBClusters"][0],
        "group": group,
        "parameters": {p["ParameterName"]: p.get("ParameterValue") for p in
                       rds.describe_db_cluster_parameters(DBClusterParameterGroupName=CLUSTER)["Parameters"]} if group else None,
        "tags": {t["Key"]: t["Value"] for t in rds.list_tags_for_resource(ResourceName=group["DBClusterParameterGroupArn"])["TagList"]}
        if group else None,
    }


@pytest.fixture(scope="module")
def scenario(ansible, ansible_recorded, recorded, tmp_path_factory):
    # The dev database tier converged (--diff), restored when another module of this run made it (conftest.converged:
    # test_aurora_role.py, test_aurora_parameters.py and test_restore_db.py converge the same).
    lz, converge = converged(ansible, tmp_path_factory.mktemp("landing-zone"), args=["--tags", "network,database"])
    steps = {"converge": (converge, observe(ansible))}

    def step(name, *extra, check=False, env=None, ok=True):
        mark = recorded.mark()
        run = ansible_recorded.playbook("site.yml", extra_vars=[lz, *extra], check=check, diff=True, args=["--tags", "network,database"],
                                        env=env)
        if ok:
            assert run.rc == 0, f"{name}: {run!r}"
        steps[name] = (run, observe(ansible))
        steps[name + "_writes"] = [(call.service, call.action) for call in recorded.mutating_calls(mark)]

    step("rerun")
    # A cluster made before the group existed uses the engine's default one.
    ansible.client("rds").modify_db_cluster(DBClusterIdentifier=CLUSTER, DBClusterParameterGroupName="default.aurora-postgresql17",
                                            ApplyImmediately=True)
    step("adopt")
    step("adopt_again")
    step("add_check", SLOW_QUERIES, check=True)
    step("add", env={"CDK_DATABASE_CLUSTER_PARAMETERS": '{"log_min_duration_statement": "500"}'})
    step("add_again", SLOW_QUERIES)
    step("remove_check", check=True)
    step("force_ssl_off", {"database_cluster_parameters": {"rds.force_ssl": 0}}, ok=False)
    return steps


def test_the_cluster_uses_its_own_group_that_requires_tls(scenario):
    state = scenario["converge"][1]
    assert state["cluster"]["DBClusterParameterGroup"] == CLUSTER
    assert state["group"]["DBParameterGroupFamily"] == "aurora-postgresql17"
    assert state["parameters"] == {"rds.force_ssl": "1"}
    assert state["tags"] == {"App": "nestjs-playground", "Env": "dev", "OU": "engineering", "Owner": "team@example.com"}


def test_the_group_is_made_before_the_cluster_that_names_it(scenario):
    changed = scenario["converge"][0].changed_tasks()
    assert changed.index(GROUP_TASK) < changed.index(CLUSTER_TASK)
    diff = scenario["converge"][0].result(CLUSTER_TASK)["diff"]
    assert diff["after"]["db_cluster_parameter_group_name"] == CLUSTER


def test_the_rerun_changes_nothing(scenario):
    run = scenario["rerun"][0]
    assert run.host_stats()["changed"] == 0, run.changed_tasks()


def test_a_cluster_on_the_default_group_is_moved_onto_its_own_with_a_reboot_warning(scenario):
    run, state = scenario["adopt"]
    assert run.changed_tasks() == [CLUSTER_TASK]
    assert state["cluster"]["DBClusterParameterGroup"] == CLUSTER
    result = run.result(CLUSTER_TASK)
    assert result["diff"]["before"]["db_cluster_parameter_group_name"] == "default.aurora-postgresql17"
    assert result["cluster"]["instances_pending_reboot"] == [f"{CLUSTER}-writer"]
    (warning,) = [w for w in result.get("warnings", []) if "reboot" in w]
    assert f"cluster {CLUSTER} ({CLUSTER}-writer)" in warning and "reboot-db-instance" in warning
    assert scenario["adopt_again"][0].host_stats()["changed"] == 0, scenario["adopt_again"][0].changed_tasks()


def test_adding_a_parameter_in_check_mode_shows_it_and_writes_nothing(scenario):
    run, state = scenario["add_check"]
    assert run.changed_tasks() == [GROUP_TASK]
    diff = run.result(GROUP_TASK)["diff"]
    assert diff["before"]["parameters"] == {"rds.force_ssl": "1"}
    assert diff["after"]["parameters"] == {"rds.force_ssl": "1", "log_min_duration_statement": "500"}
    assert state["parameters"] == {"rds.force_ssl": "1"}
    assert scenario["add_check_writes"] == []


def test_a_parameter_from_the_cdk_environment_is_set_and_the_same_number_later_is_no_change(scenario):
    run, state = scenario["add"]
    assert run.changed_tasks() == [GROUP_TASK]
    assert state["parameters"] == {"rds.force_ssl": "1", "log_min_duration_statement": "500"}
    assert state["cluster"]["DBClusterParameterGroup"] == CLUSTER
    again = scenario["add_again"][0]
    assert again.host_stats()["changed"] == 0, again.changed_tasks()


def test_taking_a_parameter_out_resets_it_in_check_mode_and_keeps_tls(scenario):
    run, state = scenario["remove_check"]
    assert run.changed_tasks() == [GROUP_TASK]
    diff = run.result(GROUP_TASK)["diff"]
    assert diff["after"]["parameters"] == {"rds.force_ssl": "1"}
    assert "log_min_duration_statement" in diff["before"]["parameters"]
    assert state["parameters"]["log_min_duration_statement"] == "500"
    assert scenario["remove_check_writes"] == []


def test_turning_tls_off_is_refused_naming_the_variable_and_changes_nothing(scenario):
    run, state = scenario["force_ssl_off"]
    assert run.rc != 0
    message = run.failure()
    assert "database_cluster_parameters.rds.force_ssl '0' is not allowed" in message
    assert "rds.force_ssl = 1" in message
    assert state["parameters"] == scenario["add_again"][1]["parameters"]
    assert run.changed_tasks() == []
    assert scenario["force_ssl_off_writes"] == []


def test_a_group_created_by_another_run_after_the_look_up_is_converged_not_failed(ansible, ansible_recorded, recorded):
    """Two converges at once: the other run creates the group between this run's look-up and its creation."""
    rds = ansible.client("rds")
    args = {"name": "race-test-group", "family": "aurora-postgresql17", "parameters": {"rds.force_ssl": 1}, "tags": {"App": "race"}}
    recorded.after_call("DescribeDBClusterParameterGroups", lambda call, body: rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="race-test-group", DBParameterGroupFamily="aurora-postgresql17", Description="other run"),
        answer=True)
    result = ansible_recorded.module("nestjs_playground.infra.aurora_cluster_parameter_group", args)
    recorded.clear_hooks()
    assert result.get("failed") is not True, result.get("msg")
    (group,) = rds.describe_db_cluster_parameter_groups(DBClusterParameterGroupName="race-test-group")["DBClusterParameterGroups"]
    parameters = rds.describe_db_cluster_parameters(DBClusterParameterGroupName="race-test-group")["Parameters"]
    assert {p["ParameterName"]: p.get("ParameterValue") for p in parameters} == {"rds.force_ssl": "1"}
    assert {t["Key"]: t["Value"] for t in rds.list_tags_for_resource(ResourceName=group["DBClusterParameterGroupArn"])["TagList"]} == {
        "App": "race"}
    assert ansible_recorded.module("nestjs_playground.infra.aurora_cluster_parameter_group", args)["changed"] is False
