"""nestjs_playground.infra.ecs_task_definition against the local AWS endpoint, in the amazon.aws pattern:
register / change / deregister, each in check mode, for real, and again; the real revisions read after
each step. The change is the one community.aws.ecs_taskdefinition misses: the value of one environment
variable, nothing else."""

import copy
import json

import pytest

pytestmark = pytest.mark.integration

FAMILY = "module-test-api"
NEIGHBOUR = "module-test-api-worker"  # a family that FAMILY is a prefix of: never touched
MODULE = "nestjs_playground.infra.ecs_task_definition"
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]}


def container(log_level="info", env_order=1, image="nginx:1.27"):
    environment = [{"name": "NODE_ENV", "value": "production"}, {"name": "LOG_LEVEL", "value": log_level}]
    return {
        "name": "api",
        "image": image,
        "portMappings": [{"containerPort": 3000}],
        "environment": environment[::env_order],
        "secrets": [{"name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:password::"}],
        "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/module-test", "awslogs-region": "us-east-1",
                                                                 "awslogs-stream-prefix": "api"}},
    }


@pytest.fixture(scope="module")
def roles(ansible):
    iam = ansible.client("iam")
    arns = {}
    for name in ("module-test-exec", "module-test-task"):
        arns[name] = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    return arns


def args(roles, **overrides):
    base = {
        "family": FAMILY,
        "container_definitions": [container()],
        "cpu": "256",
        "memory": "512",
        "execution_role_arn": roles["module-test-exec"],
        "task_role_arn": roles["module-test-task"],
        "tags": {"App": "a", "Env": "dev"},
    }
    base.update(overrides)
    return base


def active_revisions(ecs, family):
    arns = ecs.list_task_definitions(familyPrefix=family, status="ACTIVE")["taskDefinitionArns"]
    return sorted(int(arn.rpartition(":")[2]) for arn in arns if arn.rpartition("/")[2].rpartition(":")[0] == family)


def observe(ecs):
    """The family's ACTIVE revisions and what the latest holds."""
    revisions = active_revisions(ecs, FAMILY)
    if not revisions:
        return {"active": [], "latest": None}
    response = ecs.describe_task_definition(taskDefinition=f"{FAMILY}:{revisions[-1]}", include=["TAGS"])
    definition = response["taskDefinition"]
    (api,) = definition["containerDefinitions"]
    return {
        "active": revisions,
        "latest": {
            "revision": definition["revision"],
            "environment": {e["name"]: e["value"] for e in api["environment"]},
            "image": api["image"],
            "cpu": definition["cpu"],
            "memory": definition["memory"],
            "task_role_arn": definition.get("taskRoleArn"),
            "tags": {t["key"]: t["value"] for t in response.get("tags", [])},
        },
    }


@pytest.fixture(scope="module")
def steps(ansible, roles):
    ecs = ansible.client("ecs")
    out = {"roles": roles}
    create = args(roles)
    env_value = args(roles, container_definitions=[container(log_level="debug")])
    # The same definition spelled differently: variables reordered, cpu/memory as numbers, defaults given.
    respelled = copy.deepcopy(env_value)
    respelled["container_definitions"] = [dict(container(log_level="debug", env_order=-1), essential=True, cpu=0,
                                               portMappings=[{"containerPort": 3000, "hostPort": 3000, "protocol": "tcp"}])]
    respelled.update(cpu=256, memory=512)
    retag = dict(env_value, tags={"App": "a", "Env": "qa"})
    delete = {"family": FAMILY, "state": "absent"}

    def step(name, module_args, check=False):
        out[name] = (ansible.module(MODULE, module_args, check=check, diff=True), observe(ecs))

    step("create_check", create, check=True)
    step("create", create)
    step("create_again", create)
    step("env_value_check", env_value, check=True)
    step("env_value", env_value)
    step("env_value_again", env_value)
    step("respelled", respelled)
    step("retag_check", retag, check=True)
    step("retag", retag)
    step("retag_again", retag)
    ecs.register_task_definition(family=NEIGHBOUR, containerDefinitions=[{"name": "w", "image": "w:1", "memory": 128}])
    step("delete_check", delete, check=True)
    step("delete", delete)
    out["neighbour_after_delete"] = active_revisions(ecs, NEIGHBOUR)
    step("delete_again", delete)
    step("register_after_delete", retag)
    step("register_after_delete_again", retag)
    return out


def test_register_in_check_mode_reports_a_change_and_registers_nothing(steps):
    result, state = steps["create_check"]
    assert result["changed"] is True
    assert state == {"active": [], "latest": None}
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["cpu"] == "256"
    assert "task_definition_arn" not in result["task_definition"]


def test_register_makes_revision_1_as_asked(steps):
    result, state = steps["create"]
    assert result["changed"] is True
    assert state["active"] == [1]
    assert state["latest"] == {
        "revision": 1,
        "environment": {"NODE_ENV": "production", "LOG_LEVEL": "info"},
        "image": "nginx:1.27",
        "cpu": "256",
        "memory": "512",
        "task_role_arn": steps["roles"]["module-test-task"],
        "tags": {"App": "a", "Env": "dev"},
    }
    assert result["task_definition"]["revision"] == 1
    assert result["task_definition"]["task_definition_arn"].endswith(f":task-definition/{FAMILY}:1")


def test_register_again_registers_nothing(steps):
    result, state = steps["create_again"]
    assert result["changed"] is False
    assert state == steps["create"][1]
    assert result["task_definition"]["revision"] == 1


def test_an_env_value_change_in_check_mode_shows_the_diff_and_registers_nothing(steps):
    result, state = steps["env_value_check"]
    assert result["changed"] is True
    assert state == steps["create"][1]
    before = {e["name"]: e["value"] for e in result["diff"]["before"]["container_definitions"][0]["environment"]}
    after = {e["name"]: e["value"] for e in result["diff"]["after"]["container_definitions"][0]["environment"]}
    assert before["LOG_LEVEL"] == "info" and after["LOG_LEVEL"] == "debug"


def test_an_env_value_change_alone_registers_revision_2(steps):
    result, state = steps["env_value"]
    assert result["changed"] is True
    assert state["active"] == [1, 2]
    assert state["latest"]["revision"] == 2
    assert state["latest"]["environment"] == {"NODE_ENV": "production", "LOG_LEVEL": "debug"}
    assert state["latest"]["tags"] == {"App": "a", "Env": "dev"}
    assert result["task_definition"]["revision"] == 2


def test_the_env_value_change_again_registers_nothing(steps):
    result, state = steps["env_value_again"]
    assert result["changed"] is False
    assert state == steps["env_value"][1]


def test_the_same_definition_spelled_differently_registers_nothing(steps):
    result, state = steps["respelled"]
    assert result["changed"] is False
    assert state == steps["env_value"][1]


def test_a_tag_change_in_check_mode_reports_it_and_changes_nothing(steps):
    result, state = steps["retag_check"]
    assert result["changed"] is True
    assert state == steps["env_value"][1]
    assert result["diff"]["before"]["tags"] == {"App": "a", "Env": "dev"}
    assert result["diff"]["after"]["tags"] == {"App": "a", "Env": "qa"}


def test_a_tag_change_alone_retags_revision_2_and_registers_nothing(steps):
    result, state = steps["retag"]
    assert result["changed"] is True
    assert state["active"] == [1, 2]
    assert state["latest"]["revision"] == 2
    assert state["latest"]["tags"] == {"App": "a", "Env": "qa"}
    assert result["task_definition"]["revision"] == 2


def test_the_tag_change_again_changes_nothing(steps):
    result, state = steps["retag_again"]
    assert result["changed"] is False
    assert state == steps["retag"][1]


def test_deregister_in_check_mode_reports_every_active_revision_and_deregisters_nothing(steps):
    result, state = steps["delete_check"]
    assert result["changed"] is True
    assert state["active"] == [1, 2]
    assert [arn.rpartition("/")[2] for arn in result["deregistered"]] == [f"{FAMILY}:1", f"{FAMILY}:2"]


def test_deregister_deregisters_every_active_revision_of_exactly_this_family(steps):
    result, state = steps["delete"]
    assert result["changed"] is True
    assert state == {"active": [], "latest": None}
    assert steps["neighbour_after_delete"] == [1]


def test_deregister_again_changes_nothing(steps):
    result, state = steps["delete_again"]
    assert result["changed"] is False
    assert result["deregistered"] == []


def test_after_deregistering_the_same_definition_registers_a_new_revision(steps):
    # The emulator's DescribeTaskDefinition still returns the INACTIVE revision 2; it must not count.
    result, state = steps["register_after_delete"]
    assert result["changed"] is True
    assert state["active"] == [3]
    assert state["latest"]["tags"] == {"App": "a", "Env": "qa"}
    again, state = steps["register_after_delete_again"]
    assert again["changed"] is False and state["active"] == [3]
