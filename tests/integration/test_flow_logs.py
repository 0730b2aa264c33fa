"""VPC Flow Logs (spec: Infrastructure Monitoring, optional), the monitoring role through site.yml
(`--tags monitoring`), against one local AWS endpoint: off on a fresh account (nothing), on in check mode,
on, on again, off in check mode, off, off again; then in prd, on and off (prd keeps the log group)."""

import json

import pytest

from conftest import OUTPUTS_TASK
from conftest import landing_zone
from conftest import write_inventory

pytestmark = pytest.mark.integration

APP = "nestjs-playground-dev"
GROUP = f"/vpc/{APP}/flow-logs"
ROLE = f"{APP}-flow-logs"
ON = {"vpc_flow_logs_enabled": True}
OFF = {"vpc_flow_logs_enabled": False}
LOG_GROUP_TASK = "Ensure the flow logs' log group and its retention"
ROLE_TASK = "Ensure the role that lets the flow logs service write into that log group only"
FLOW_LOG_TASK = "Ensure the imported VPC's flow log goes to that log group through that role"
ON_TASKS = [LOG_GROUP_TASK, ROLE_TASK, FLOW_LOG_TASK]
OFF_TASKS = ["Ensure the imported VPC's flow log into this environment's log group is deleted",
             "Ensure the flow logs' role is deleted",
             "Ensure the flow logs' log group is deleted outside production (production keeps its logs)"]
# One read while off; the removals above run only when it finds something.
FIND_TASK = "Find what is left of the flow logs while vpc_flow_logs_enabled is off"


def observe(ansible, app=APP):
    ec2, logs, iam = ansible.client("ec2"), ansible.client("logs"), ansible.client("iam")
    roles = {r["RoleName"]: r for r in iam.list_roles()["Roles"]}
    role = roles.get(f"{app}-flow-logs")
    policy = None
    if role:
        (name,) = iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"]
        policy = iam.get_role_policy(RoleName=role["RoleName"], PolicyName=name)["PolicyDocument"]
        policy = json.loads(policy) if isinstance(policy, str) else policy
    return {
        "flow_logs": ec2.describe_flow_logs()["FlowLogs"],
        "log_groups": {g["logGroupName"]: g for g in logs.describe_log_groups(logGroupNamePrefix="/vpc/")["logGroups"]},
        "role": role,
        "policy": policy,
    }


@pytest.fixture(scope="module")
def scenario(ansible, ansible_recorded, recorded, tmp_path_factory):
    lz = landing_zone(ansible, tmp_path_factory.mktemp("landing-zone"))
    prd = write_inventory(tmp_path_factory.mktemp("prd"), dict(lz, environment_name="prd"), host="nestjs-playground-prd")
    steps, writes = {}, {}

    def step(name, *extra, check=False, inventory="inventories/dev", app=APP):
        mark = recorded.mark()
        # --tags monitoring on an account without the stacks: the role's alarms (which watch the stacks) stay
        # off, so that each step converges the flow logs alone.
        run = ansible_recorded.playbook("site.yml", inventory, extra_vars=[lz, {"monitoring_enabled": False}, *extra],
                                        check=check, diff=True,
                                        args=["--tags", "monitoring"])
        assert run.rc == 0, f"{name}: {run!r}"
        writes[name] = [(call.service, call.action) for call in recorded.mutating_calls(mark)]
        steps[name] = (run, observe(ansible, app))

    step("off_fresh")
    step("on_check", ON, check=True)
    step("on", ON)
    step("on_again", ON)
    step("off_check", OFF, check=True)
    step("off", OFF)
    step("off_again", OFF)
    step("prd_on", ON, inventory=prd, app="nestjs-playground-prd")
    step("prd_off", OFF, inventory=prd, app="nestjs-playground-prd")
    return {"lz": lz, "steps": steps, "writes": writes}


def changed(scenario, name, host=APP):
    return scenario["steps"][name][0].changed_tasks(host)


def test_off_by_default_there_is_nothing(scenario):
    _, state = scenario["steps"]["off_fresh"]
    # The first run of the scenario writes site.yml's outputs file (a local file): nothing else changes.
    assert changed(scenario, "off_fresh") == [OUTPUTS_TASK]   # it creates the outputs file's directory too
    assert scenario["writes"]["off_fresh"] == []
    assert (state["flow_logs"], state["log_groups"], state["role"]) == ([], {}, None)


def test_switching_on_in_check_mode_shows_the_three_resources_and_makes_none(scenario):
    run, state = scenario["steps"]["on_check"]
    assert changed(scenario, "on_check") == ON_TASKS
    after = run.result(FLOW_LOG_TASK)["diff"]["after"]
    assert (after["resource_id"], after["log_group_name"], after["traffic_type"]) == (scenario["lz"]["vpc_id"], GROUP, "ALL")
    assert after["deliver_logs_permission_arn"] == f"arn:aws:iam::123456789012:role/{ROLE}"
    assert (state["flow_logs"], state["log_groups"], state["role"]) == ([], {}, None)


@pytest.mark.parametrize("name", ["on_check", "off_check"])
def test_check_mode_makes_no_mutating_call_switching_either_way(scenario, name):
    assert scenario["writes"][name] == []


def test_the_imported_vpc_logs_all_its_traffic_into_the_environment_log_group(scenario):
    _, state = scenario["steps"]["on"]
    assert changed(scenario, "on") == ON_TASKS
    (flow_log,) = state["flow_logs"]
    assert flow_log["ResourceId"] == scenario["lz"]["vpc_id"]
    assert (flow_log["LogDestinationType"], flow_log["LogGroupName"], flow_log["TrafficType"]) == ("cloud-watch-logs", GROUP, "ALL")
    assert flow_log["DeliverLogsPermissionArn"] == state["role"]["Arn"]
    assert flow_log["MaxAggregationInterval"] == 600
    assert {t["Key"]: t["Value"] for t in flow_log["Tags"]}["Name"] == f"{APP}-flow-logs"
    assert state["log_groups"][GROUP]["retentionInDays"] == 7


def test_the_role_is_for_the_flow_logs_service_of_this_account_and_writes_into_that_log_group_only(scenario):
    _, state = scenario["steps"]["on"]
    trust = state["role"]["AssumeRolePolicyDocument"]
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    (grant,) = state["policy"]["Statement"]
    group_arn = f"arn:aws:logs:us-east-1:123456789012:log-group:{GROUP}"
    assert sorted(grant["Action"]) == ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
    assert grant["Resource"] == [group_arn, group_arn + ":*"]


def test_on_again_changes_nothing(scenario):
    run = scenario["steps"]["on_again"][0]
    assert run.host_stats()["changed"] == 0, run.changed_tasks()


def test_switching_off_in_check_mode_shows_the_removals_and_removes_nothing(scenario):
    run, state = scenario["steps"]["off_check"]
    assert changed(scenario, "off_check") == OFF_TASKS
    assert run.result(OFF_TASKS[0])["diff"]["after"] == {}
    assert state == scenario["steps"]["on_again"][1]


def test_switching_off_removes_the_flow_log_the_role_and_outside_prd_the_log_group(scenario):
    _, state = scenario["steps"]["off"]
    assert changed(scenario, "off") == OFF_TASKS
    assert (state["flow_logs"], state["log_groups"], state["role"]) == ([], {}, None)
    run = scenario["steps"]["off_again"][0]
    assert run.host_stats()["changed"] == 0, run.changed_tasks()


@pytest.mark.parametrize("name", ["off_fresh", "off_again"])
def test_while_off_with_nothing_left_one_read_replaces_the_three_removal_tasks(scenario, name):
    run = scenario["steps"][name][0]
    assert run.result(FIND_TASK)["found"] is False
    ran = [task for task, result in run.results() if not result.get("skipped")]
    assert FIND_TASK in ran
    assert [task for task in ran if task in OFF_TASKS] == []


def test_switching_off_first_finds_the_flow_log_its_role_and_outside_prd_its_log_group(scenario):
    vpc = scenario["lz"]["vpc_id"]
    assert scenario["steps"]["off_check"][0].result(FIND_TASK)["existing"] == {
        "flow_logs": [{"resource_id": vpc, "log_group_name": GROUP}], "iam_roles": [ROLE], "log_groups": [GROUP]}
    prd_group = "/vpc/nestjs-playground-prd/flow-logs"
    assert scenario["steps"]["prd_off"][0].result(FIND_TASK, "nestjs-playground-prd")["existing"] == {
        "flow_logs": [{"resource_id": vpc, "log_group_name": prd_group}], "iam_roles": ["nestjs-playground-prd-flow-logs"],
        "log_groups": []}   # production keeps its log group: not looked for


def test_production_keeps_a_month_of_flow_logs_and_the_log_group_when_switched_off(scenario):
    on, off = scenario["steps"]["prd_on"][1], scenario["steps"]["prd_off"][1]
    assert on["log_groups"]["/vpc/nestjs-playground-prd/flow-logs"]["retentionInDays"] == 30
    assert len(on["flow_logs"]) == 1
    assert changed(scenario, "prd_off", "nestjs-playground-prd") == OFF_TASKS[:2]
    assert (off["flow_logs"], off["role"]) == ([], None)
    assert list(off["log_groups"]) == ["/vpc/nestjs-playground-prd/flow-logs"]


def test_the_summary_names_the_flow_logs_log_group_while_on(scenario):
    on = scenario["steps"]["on"][0].result("Show what the environment is made of")["msg"]
    off = scenario["steps"]["off"][0].result("Show what the environment is made of")["msg"]
    assert f"Flow logs   {GROUP}" in on
    assert "Flow logs   (none: vpc_flow_logs_enabled is false)" in off
