"""The ecs_scheduler role through site.yml against one local AWS endpoint: converge with the cron set,
rerun, unset it in check mode (nothing goes), then for real (everything of the scheduler goes), rerun,
set it again in check mode (nothing is created), bad crons (stopped before any AWS call; one run, a host each),
and a production inventory in check mode. State read with boto3."""

import json
import os

import pytest
import yaml

from conftest import HostRun
from conftest import OUTPUTS_TASK
from conftest import ROOT
from conftest import converged
from conftest import write_inventory

pytestmark = pytest.mark.integration

PLAYBOOK = "site.yml"
APP = "nestjs-playground-dev"
NAME = "nestjs-playground-scheduler-dev"
LOG_GROUP = f"/ecs/{NAME}"
CRON = "0 2 * * *"
TAGS = {"App": "nestjs-playground", "Env": "dev", "OU": "engineering", "Owner": "team@example.com"}
SERVICE_TASK = "Ensure the scheduler's service runs exactly one task in the private subnets, without a load balancer"
TASKDEF_TASK = "Ensure the scheduler's task definition runs the application's image with the cron and the secrets"
SG_TASK = "Ensure the scheduler's security group admits nothing and may reach out"
LOG_TASK = "Ensure the scheduler's log group and its retention"
EXEC_ROLE_TASK = "Ensure the scheduler's execution role may pull the image, write its logs and read exactly its secrets"
TASK_ROLE_TASK = "Ensure the scheduler's task role may read its secrets (and open ECS Exec sessions outside prd)"
ROLES_GONE_TASK = "Ensure the scheduler's roles are deleted"
ROLES = {"execution": f"{NAME}-execution", "task": f"{NAME}-task"}
DB_SG_TASK = "Ensure the database security group admits PostgreSQL from the application and scheduler groups only"
SERVICE_GONE_TASK = "Ensure the scheduler's service is drained and deleted"
TASKDEF_GONE_TASK = "Ensure no revision of the scheduler's task definition is active"
SG_GONE_TASK = "Ensure the scheduler's security group is deleted"
LOG_GONE_TASK = "Ensure the scheduler's log group is deleted outside production (production keeps its logs)"
GONE_TASKS = [SERVICE_GONE_TASK, TASKDEF_GONE_TASK, ROLES_GONE_TASK, SG_GONE_TASK, LOG_GONE_TASK]
# One read while the cron is unset; the removals above run only when it finds something.
FIND_TASK = "Find what is left of the scheduler while schedule_task_cleanup_cron is unset"
CHECK_TASK = "Check every input before any AWS call"   # site.yml's pre-flight
# The monitoring role's: the scheduler's alarms come and go with it.
ALARMS_TASK = "Ensure the alarms of the alerting strategy, notifying the topic on ALARM and on OK"
# The scheduler's error-lines metric filter (17ef89e) exists while the scheduler does: it comes and goes with it.
ERROR_LINES_TASK = "Ensure the error and fatal log lines of the scheduler are counted in the namespace while it is enabled (metric filter)"
BAD_CRONS = {
    "61 * * * *": "in the minute field '61', 61 is out of range: the minute must be 0-59",
    "* * *": "it has 3 field(s)",
    "0 2 * * MON-FRI-X": "in the day of week field 'MON-FRI-X', 'MON-FRI-X' is not *, a number, a range a-b",
}


def policy(ansible, role):
    """The role's one inline policy, its statements by Sid."""
    iam = ansible.client("iam")
    (name,) = iam.list_role_policies(RoleName=role)["PolicyNames"]
    return {s["Sid"]: s for s in iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]["Statement"]}


def observe(ansible):
    ecs, ec2, logs = ansible.client("ecs"), ansible.client("ec2"), ansible.client("logs")
    services = ecs.describe_services(cluster=APP, services=[NAME], include=["TAGS"])["services"]
    active = ecs.list_task_definitions(familyPrefix=NAME, status="ACTIVE")["taskDefinitionArns"]
    groups = {g["GroupName"]: g for g in ec2.describe_security_groups()["SecurityGroups"]}
    log_groups = {g["logGroupName"]: g for g in logs.describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"]}
    roles = {r["RoleName"] for r in ansible.client("iam").list_roles()["Roles"]}
    return {
        "roles": sorted(role for role in ROLES.values() if role in roles),
        "policies": {role: policy(ansible, role) for role in ROLES.values() if role in roles},
        "service": services[0] if services else None,
        "active_revisions": [arn for arn in active if arn.split("/")[-1].rsplit(":", 1)[0] == NAME],
        "group": groups.get(NAME),
        "db_group": groups.get(f"{APP}-db"),
        "log_group": log_groups.get(LOG_GROUP),
    }


@pytest.fixture(scope="module")
def scenario(ansible, tmp_path_factory):
    # The dev converge with the scheduler (--diff), restored when another module of this run made it
    # (conftest.converged: test_deploy.py and test_rollback.py converge the same).
    lz, converge = converged(ansible, tmp_path_factory.mktemp("landing-zone"), [{"schedule_task_cleanup_cron": CRON}])
    steps = {"converge": (converge, observe(ansible))}

    def step(name, cron, check=False, inventory="inventories/dev", expect_rc=0):
        run = ansible.playbook(PLAYBOOK, inventory, extra_vars=[lz, {"schedule_task_cleanup_cron": cron}],
                               check=check, diff=True)
        if expect_rc == 0:
            assert run.rc == 0, f"{name}: {run!r}"
        steps[name] = (run, observe(ansible))

    step("rerun", CRON)
    step("unset_in_check_mode", "", check=True)
    step("unset", "")
    step("unset_again", None)
    step("set_in_check_mode", CRON, check=True)
    # The bad crons in one run: each is a deployment (a host) of its own with the dev inventory's values, which
    # the pre-flight checks alone, as it checks the one deployment of a user's inventory (test_input_validation.py).
    hosts = {cron: f"bad-cron-{index}" for index, cron in enumerate(BAD_CRONS)}
    with open(os.path.join(ROOT, "inventories", "dev", "group_vars", "deployments.yml"), encoding="utf-8") as handle:
        dev = yaml.safe_load(handle)
    bad = write_inventory(tmp_path_factory.mktemp("bad-crons"),
                          hosts={host: dict(dev, schedule_task_cleanup_cron=cron) for cron, host in hosts.items()})
    run = ansible.playbook(PLAYBOOK, bad, extra_vars=[lz], diff=True)
    assert set(run.stats) == set(hosts.values()), run   # every bad cron's deployment ran
    state = observe(ansible)
    for cron, host in hosts.items():
        steps[f"bad {cron}"] = (HostRun(run, host), state)
    prd = write_inventory(tmp_path_factory.mktemp("prd"), dict(lz, environment_name="prd"))
    step("prd_check", CRON, check=True, inventory=prd)
    return steps


def the_container(ansible, state):
    definition = ansible.client("ecs").describe_task_definition(taskDefinition=state["service"]["taskDefinition"])
    return definition["taskDefinition"]


def test_converge_then_rerun_changes_nothing(scenario):
    run = scenario["converge"][0]
    assert {LOG_TASK, SG_TASK, EXEC_ROLE_TASK, TASK_ROLE_TASK, TASKDEF_TASK, SERVICE_TASK} <= set(run.changed_tasks())
    assert scenario["rerun"][0].host_stats()["changed"] == 0, scenario["rerun"][0].changed_tasks()


def test_the_service_runs_one_task_privately_without_a_load_balancer(ansible, scenario):
    service = scenario["converge"][1]["service"]
    assert service["status"] == "ACTIVE"
    assert service["clusterArn"].endswith(f":cluster/{APP}")
    assert service["desiredCount"] == 1
    assert service["launchType"] == "FARGATE"
    assert service.get("loadBalancers", []) == []
    vpc = service["networkConfiguration"]["awsvpcConfiguration"]
    assert vpc.get("assignPublicIp", "DISABLED") == "DISABLED"
    private = {s["SubnetId"] for s in ansible.client("ec2").describe_subnets()["Subnets"]
               if s["CidrBlock"] in ("10.42.10.0/24", "10.42.11.0/24")}
    assert set(vpc["subnets"]) == private
    assert vpc["securityGroups"] == [scenario["converge"][1]["group"]["GroupId"]]
    assert service["propagateTags"] == "SERVICE"
    assert {t["key"]: t["value"] for t in service["tags"]} == TAGS


def test_the_service_deploys_stop_first_with_a_rollback_and_allows_ecs_exec_outside_prd(scenario):
    # moto drops deploymentConfiguration and enableExecuteCommand at creation (docs/emulator-gaps.md): what
    # was asked for is read from the module's diff, the desired state the module creates the service from.
    after = scenario["converge"][0].result(SERVICE_TASK)["diff"]["after"]
    deployment = after["deployment_configuration"]
    assert (deployment["minimum_healthy_percent"], deployment["maximum_percent"]) == (0, 200)
    assert deployment["circuit_breaker"] == {"enable": True, "rollback": True}
    assert after["enable_execute_command"] is True


def test_the_task_definition_runs_the_application_image_with_its_roles(ansible, scenario):
    definition = the_container(ansible, scenario["converge"][1])
    assert definition["family"] == NAME
    assert (definition["cpu"], definition["memory"], definition["networkMode"]) == ("256", "512", "awsvpc")
    assert definition["requiresCompatibilities"] == ["FARGATE"]
    assert definition["executionRoleArn"].endswith(f":role/{ROLES['execution']}")
    assert definition["taskRoleArn"].endswith(f":role/{ROLES['task']}")
    (container,) = definition["containerDefinitions"]
    app_service = ansible.client("ecs").describe_services(cluster=APP, services=[APP])["services"][0]
    app_definition = ansible.client("ecs").describe_task_definition(taskDefinition=app_service["taskDefinition"])
    assert container["image"] == app_definition["taskDefinition"]["containerDefinitions"][0]["image"]
    assert container["image"].endswith(".dkr.ecr.us-east-1.amazonaws.com/nestjs-playground:latest")
    assert container.get("portMappings", []) == []


def test_the_execution_role_writes_the_scheduler_log_group_only_and_reads_exactly_its_secrets(ansible, scenario):
    statements = scenario["converge"][1]["policies"][ROLES["execution"]]
    assert statements["WriteTheLogs"]["Resource"].endswith(f":log-group:{LOG_GROUP}:log-stream:*")
    secret_arn = ansible.client("secretsmanager").describe_secret(SecretId=f"{APP}-db-credentials")["ARN"]
    assert statements["ReadTheTaskSecrets"]["Resource"] in (secret_arn, [secret_arn])
    assert statements["PullTheImage"]["Resource"].endswith(":repository/nestjs-playground")
    trust = scenario["converge"][0].result(EXEC_ROLE_TASK)["diff"]["after"]["assume_role_policy_document"]
    assert trust["Statement"][0]["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}


def test_the_task_role_may_open_ecs_exec_sessions_outside_prd(scenario):
    statements = scenario["converge"][1]["policies"][ROLES["task"]]
    assert statements["OpenEcsExecSessions"]["Action"] == [
        "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"]
    assert set(statements) == {"ReadTheTaskSecrets", "ReadTheJwtParameter", "OpenEcsExecSessions"}


def test_the_container_gets_the_cron_the_settings_and_the_database_secrets(ansible, scenario):
    (container,) = the_container(ansible, scenario["converge"][1])["containerDefinitions"]
    env = {e["name"]: e["value"] for e in container["environment"]}
    assert env == {"NODE_ENV": "production", "LOGGING_LEVEL": "info", "LOGGING_FORMAT": "json",
                   "SCHEDULE_TASK_CLEANUP_CRON": CRON}
    secret_arn = ansible.client("secretsmanager").describe_secret(SecretId=f"{APP}-db-credentials")["ARN"]
    secrets = {s["name"]: s["valueFrom"] for s in container["secrets"]}
    assert {name: value for name, value in secrets.items() if name != "JWT_SECRET"} == {
        "DB_HOST": f"{secret_arn}:host::", "DB_PORT": f"{secret_arn}:port::", "DB_USER": f"{secret_arn}:username::",
        "DB_PASS": f"{secret_arn}:password::", "DB_DATABASE": f"{secret_arn}:dbname::",
    }
    assert secrets["JWT_SECRET"].endswith(":parameter/nestjs-playground/jwt-secret")
    log = container["logConfiguration"]
    assert log["logDriver"] == "awslogs"
    assert log["options"]["awslogs-group"] == LOG_GROUP
    assert (log["options"]["mode"], log["options"]["max-buffer-size"]) == ("non-blocking", "25m")


def test_the_security_group_admits_nothing_and_the_database_admits_it(scenario):
    state = scenario["converge"][1]
    group = state["group"]
    assert group["Description"] == f"{NAME} background tasks (no ingress)"
    assert group["IpPermissions"] == []
    assert [(p["IpProtocol"], p.get("IpRanges")) for p in group["IpPermissionsEgress"]] == [("-1", [{"CidrIp": "0.0.0.0/0"}])]
    admitted = {pair["GroupId"] for p in state["db_group"]["IpPermissions"] for pair in p.get("UserIdGroupPairs", [])}
    assert group["GroupId"] in admitted


def test_the_log_group_keeps_a_week_in_dev(scenario):
    assert scenario["converge"][1]["log_group"]["retentionInDays"] == 7


def test_unsetting_the_cron_in_check_mode_reports_the_removals_and_removes_nothing(scenario):
    run, state = scenario["unset_in_check_mode"]
    assert run.changed_tasks() == [DB_SG_TASK, SERVICE_GONE_TASK, TASKDEF_GONE_TASK, ROLES_GONE_TASK, SG_GONE_TASK, LOG_GONE_TASK,
                                 ERROR_LINES_TASK, ALARMS_TASK, OUTPUTS_TASK]
    assert state == scenario["rerun"][1]
    assert state["service"]["status"] == "ACTIVE" and len(state["active_revisions"]) == 1


def test_unsetting_the_cron_removes_everything_of_the_scheduler(scenario):
    run, state = scenario["unset"]
    assert state["service"]["status"] == "INACTIVE"  # ECS keeps a deleted service INACTIVE for a while
    assert state["active_revisions"] == []
    assert state["roles"] == []
    assert state["group"] is None
    assert state["log_group"] is None
    admitted = {pair["GroupId"] for p in state["db_group"]["IpPermissions"] for pair in p.get("UserIdGroupPairs", [])}
    assert scenario["converge"][1]["group"]["GroupId"] not in admitted
    assert run.changed_tasks() == [DB_SG_TASK, SERVICE_GONE_TASK, TASKDEF_GONE_TASK, ROLES_GONE_TASK, SG_GONE_TASK, LOG_GONE_TASK,
                                 ERROR_LINES_TASK, ALARMS_TASK, OUTPUTS_TASK]


def test_the_unset_rerun_changes_nothing(scenario):
    run = scenario["unset_again"][0]
    assert run.host_stats()["changed"] == 0, run.changed_tasks()


@pytest.mark.parametrize("step", ["unset_in_check_mode", "unset"])
def test_unsetting_the_cron_first_finds_every_part_of_the_scheduler(scenario, step):
    group = scenario["converge"][1]["group"]
    assert scenario[step][0].result(FIND_TASK)["existing"] == {
        "ecs_services": [{"cluster": APP, "name": NAME}],
        "task_definition_families": [NAME],
        "iam_roles": [ROLES["execution"], ROLES["task"]],
        "security_groups": {"vpc_id": group["VpcId"], "names": [NAME]},
        "log_groups": [LOG_GROUP],
    }


def test_with_nothing_of_the_scheduler_left_one_read_replaces_the_removal_tasks(scenario):
    run = scenario["unset_again"][0]
    assert run.result(FIND_TASK)["found"] is False
    ran = [name for name, result in run.results() if not result.get("skipped")]
    assert FIND_TASK in ran
    assert [name for name in ran if name in GONE_TASKS] == []


def test_setting_the_cron_in_check_mode_reports_the_changes_and_creates_nothing(scenario):
    run, state = scenario["set_in_check_mode"]
    assert run.changed_tasks() == [DB_SG_TASK, LOG_TASK, SG_TASK, EXEC_ROLE_TASK, TASK_ROLE_TASK, TASKDEF_TASK, SERVICE_TASK,
                                 ERROR_LINES_TASK, ALARMS_TASK, OUTPUTS_TASK]
    assert state == scenario["unset_again"][1]
    assert state["service"]["status"] == "INACTIVE"  # ECS keeps a deleted service INACTIVE for a while
    assert state["group"] is None and state["log_group"] is None and state["active_revisions"] == []
    assert state["roles"] == []


@pytest.mark.parametrize(("cron", "reason"), list(BAD_CRONS.items()))
def test_a_bad_cron_stops_the_run_before_any_aws_call(scenario, cron, reason):
    run, state = scenario[f"bad {cron}"]
    assert run.rc != 0
    message = run.failure()
    assert f"schedule_task_cleanup_cron '{cron}' is not a valid cron expression" in message
    assert reason in message
    assert "It must have 5 fields (minute hour day-of-month month day-of-week" in message
    ran = [name for name, _ in run.results()]
    assert ran[-1] == CHECK_TASK
    assert not [name for name in ran if name.startswith(("Ensure", "Import", "Fill", "Publish"))], ran
    assert state == scenario["unset_again"][1]


def test_production_in_check_mode_turns_ecs_exec_off(scenario):
    run, _ = scenario["prd_check"]
    assert run.rc == 0, run
    after = run.result(SERVICE_TASK)["diff"]["after"]
    assert after["enable_execute_command"] is False
    task_role = run.result(TASK_ROLE_TASK)["diff"]["after"]
    assert "OpenEcsExecSessions" not in json.dumps(task_role)
    assert "ReadTheTaskSecrets" in json.dumps(task_role)
    assert after["desired_count"] == 1
    assert after["task_definition"] == "nestjs-playground-scheduler-prd"
    # check mode has no group id yet: the group is shown by its name
    assert after["network_configuration"]["security_groups"] == ["nestjs-playground-scheduler-prd"]
    assert after["tags"]["Env"] == "prd"
