import copy

import pytest

from ansible_collections.nestjs_playground.infra.plugins.modules.ecs_task_definition import DEFINITION_FIELDS
from ansible_collections.nestjs_playground.infra.plugins.modules.ecs_task_definition import TaskDefinition
from ansible_collections.nestjs_playground.infra.plugins.modules.ecs_task_definition import definition_differences
from ansible_collections.nestjs_playground.infra.plugins.modules.ecs_task_definition import desired_spec
from ansible_collections.nestjs_playground.infra.plugins.module_utils.ecs_task_definitions import family_of
from ansible_collections.nestjs_playground.infra.plugins.modules.ecs_task_definition import normalise_container
from ansible_collections.nestjs_playground.infra.plugins.modules.ecs_task_definition import normalise_definition
from ansible_collections.nestjs_playground.infra.plugins.modules.ecs_task_definition import plan
from ansible_collections.nestjs_playground.infra.plugins.modules.ecs_task_definition import settle_twins
from ansible_collections.nestjs_playground.infra.plugins.modules.ecs_task_definition import task_size
from ansible_collections.nestjs_playground.infra.tests.unit.plugins.module_utils.test_resource import FakeModule

EXEC_ROLE = "arn:aws:iam::123456789012:role/nestjs-playground-dev-exec"
TASK_ROLE = "arn:aws:iam::123456789012:role/nestjs-playground-dev-task"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"
TAGS = {"App": "nestjs-playground", "Env": "dev"}


def api_container(**overrides):
    """The container as a user writes it: only what matters, AWS defaults left out."""
    container = {
        "name": "api",
        "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/nestjs-playground:v1",
        "portMappings": [{"containerPort": 3000}],
        "environment": [{"name": "NODE_ENV", "value": "production"}, {"name": "LOG_LEVEL", "value": "info"}],
        "secrets": [{"name": "DB_PASSWORD", "valueFrom": SECRET + ":password::"}],
        "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/dev", "awslogs-stream-prefix": "api"}},
        "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost:3000/health || exit 1"]},
    }
    container.update(overrides)
    return container


def params(**overrides):
    base = {
        "family": "nestjs-playground-dev-api",
        "container_definitions": [api_container()],
        "cpu": 256,
        "memory": "512",
        "network_mode": "awsvpc",
        "requires_compatibilities": ["FARGATE"],
        "execution_role_arn": EXEC_ROLE,
        "task_role_arn": TASK_ROLE,
        "runtime_platform": None,
        "volumes": None,
    }
    base.update(overrides)
    return base


def aws_described(containers=None, **overrides):
    """The latest revision as DescribeTaskDefinition returns it on AWS for params(): defaults filled in,
    lists in another order, extra read-only fields."""
    if containers is None:
        containers = [{
            "name": "api",
            "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/nestjs-playground:v1",
            "cpu": 0,
            "portMappings": [{"containerPort": 3000, "hostPort": 3000, "protocol": "tcp"}],
            "essential": True,
            "environment": [{"name": "LOG_LEVEL", "value": "info"}, {"name": "NODE_ENV", "value": "production"}],
            "mountPoints": [],
            "volumesFrom": [],
            "secrets": [{"name": "DB_PASSWORD", "valueFrom": SECRET + ":password::"}],
            "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/dev", "awslogs-stream-prefix": "api"},
                                 "secretOptions": []},
            "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost:3000/health || exit 1"],
                            "interval": 30, "timeout": 5, "retries": 3},
            "systemControls": [],
        }]
    described = {
        "taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/nestjs-playground-dev-api:4",
        "containerDefinitions": containers,
        "family": "nestjs-playground-dev-api",
        "taskRoleArn": TASK_ROLE,
        "executionRoleArn": EXEC_ROLE,
        "networkMode": "awsvpc",
        "revision": 4,
        "volumes": [],
        "status": "ACTIVE",
        "requiresAttributes": [{"name": "com.amazonaws.ecs.capability.logging-driver.awslogs"}],
        "placementConstraints": [],
        "compatibilities": ["EC2", "FARGATE"],
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "registeredAt": "2026-11-01T10:00:00+00:00",
        "registeredBy": "arn:aws:sts::123456789012:assumed-role/deployer/session",
    }
    described.update(overrides)
    return described


def decide(desired_params, current=None, current_tags=None, tags=None, purge_tags=True):
    current = aws_described() if current is None else current
    return plan(desired_spec(desired_params), current, TAGS if current_tags is None else current_tags, tags, purge_tags)


def with_container(**overrides):
    return params(container_definitions=[api_container(**overrides)])


# task_size ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "value, unit, expected",
    [
        (256, "vcpu", "256"),
        ("256", "vcpu", "256"),
        (" 256 ", "vcpu", "256"),
        (256.0, "vcpu", "256"),
        ("1 vCPU", "vcpu", "1024"),
        ("0.25 vcpu", "vcpu", "256"),
        ("2 GB", "gb", "2048"),
        ("0.5GB", "gb", "512"),
        (None, "vcpu", None),
        ("", "gb", None),
        ("2 GB", "vcpu", "2 GB"),  # not a cpu unit: left for AWS to reject
    ],
)
def test_task_size_reads_cpu_and_memory_as_aws_stores_them(value, unit, expected):
    assert task_size(value, unit) == expected


# normalisation: what is NOT a change --------------------------------------------------------------

def test_the_definition_as_aws_returns_it_equals_the_definition_as_asked():
    result = decide(params())
    assert result["fields"] == []
    assert result["register"] is False and result["changed"] is False
    assert result["before"] == result["after"]


@pytest.mark.parametrize(
    "desired",
    [
        params(cpu="256"),
        params(cpu=256),
        params(cpu="0.25 vCPU"),
        params(memory=512),
        params(memory="0.5 GB"),
        params(requires_compatibilities=["FARGATE"]),
    ],
    ids=["cpu-str", "cpu-int", "cpu-vcpu", "memory-int", "memory-gb", "compat"],
)
def test_cpu_and_memory_in_any_spelling_are_not_a_change(desired):
    assert decide(desired)["fields"] == []


@pytest.mark.parametrize("cpu, memory", [("1 vCPU", "2 GB"), ("1024", "2048")])
def test_a_revision_stored_with_units_equals_the_same_size_in_numbers(cpu, memory):
    # AWS stores "1 vCPU" as "1024"; the emulator stores it as sent. Either reads the same.
    assert decide(params(cpu=1024, memory=2048), aws_described(cpu=cpu, memory=memory))["fields"] == []


def test_reordered_environment_variables_are_not_a_change():
    container = api_container(environment=list(reversed(api_container()["environment"])))
    assert decide(params(container_definitions=[container]))["fields"] == []


def test_reordered_secrets_and_port_mappings_are_not_a_change():
    secrets = [{"name": "B", "valueFrom": SECRET + ":b::"}, {"name": "A", "valueFrom": SECRET + ":a::"}]
    ports = [{"containerPort": 9229}, {"containerPort": 3000}]
    current_container = dict(aws_described()["containerDefinitions"][0],
                             secrets=list(reversed(secrets)),
                             portMappings=[{"containerPort": p["containerPort"], "hostPort": p["containerPort"], "protocol": "tcp"}
                                           for p in reversed(ports)])
    desired = with_container(secrets=secrets, portMappings=ports)
    assert decide(desired, aws_described([current_container]))["fields"] == []


@pytest.mark.parametrize(
    "key, value",
    [
        ("essential", True),
        ("cpu", 0),
        ("mountPoints", []),
        ("volumesFrom", []),
        ("systemControls", []),
        ("environmentFiles", []),
        ("ulimits", []),
        ("dockerLabels", {}),
        ("dependsOn", []),
    ],
)
def test_an_aws_default_or_an_empty_field_equals_its_absence(key, value):
    asked = api_container()
    asked.pop(key, None)
    assert normalise_container(asked, "awsvpc") == normalise_container(dict(asked, **{key: value}), "awsvpc")


def test_empty_lists_are_filled_where_aws_fills_them():
    container = normalise_container({"name": "x", "image": "y"}, "awsvpc")
    for key in ("portMappings", "environment", "secrets", "mountPoints", "volumesFrom", "systemControls"):
        assert container[key] == []
    assert container["essential"] is True and container["cpu"] == 0


@pytest.mark.parametrize(
    "mode, asked, stored",
    [
        ("awsvpc", {"containerPort": 3000}, {"containerPort": 3000, "hostPort": 3000, "protocol": "tcp"}),
        ("host", {"containerPort": 80}, {"containerPort": 80, "hostPort": 80, "protocol": "tcp"}),
        ("bridge", {"containerPort": 80}, {"containerPort": 80, "hostPort": 0, "protocol": "tcp"}),
        ("bridge", {"containerPort": 80}, {"containerPort": 80, "protocol": "tcp"}),
        ("awsvpc", {"containerPort": 53, "protocol": "udp"}, {"containerPort": 53, "hostPort": 53, "protocol": "udp"}),
    ],
)
def test_port_mapping_defaults_are_not_a_change(mode, asked, stored):
    mine = normalise_container({"name": "x", "image": "y", "portMappings": [asked]}, mode)
    theirs = normalise_container({"name": "x", "image": "y", "portMappings": [stored]}, mode)
    assert mine == theirs


def test_health_check_defaults_are_not_a_change():
    asked = normalise_container({"name": "x", "image": "y", "healthCheck": {"command": ["CMD", "true"]}}, "awsvpc")
    stored = normalise_container({"name": "x", "image": "y", "healthCheck": {"command": ["CMD", "true"], "interval": 30,
                                                                              "timeout": 5, "retries": 3}}, "awsvpc")
    assert asked == stored


def test_reordered_containers_are_not_a_change():
    sidecar = {"name": "aws-otel", "image": "public.ecr.aws/otel:latest", "essential": False}
    stored_sidecar = dict(sidecar, cpu=0, portMappings=[], environment=[], mountPoints=[], volumesFrom=[], systemControls=[])
    current = aws_described(aws_described()["containerDefinitions"] + [stored_sidecar])
    desired = params(container_definitions=[sidecar, api_container()])
    assert decide(desired, current)["fields"] == []


def test_reordered_volumes_and_the_efs_root_directory_default_are_not_a_change():
    asked = [{"name": "b", "efsVolumeConfiguration": {"fileSystemId": "fs-1"}}, {"name": "a"}]
    stored = [{"name": "a", "host": {}}, {"name": "b", "efsVolumeConfiguration": {"fileSystemId": "fs-1", "rootDirectory": "/"}}]
    assert decide(params(volumes=asked), aws_described(volumes=stored))["fields"] == []


# normalisation: what IS a change ------------------------------------------------------------------

def test_an_environment_variable_value_change_alone_registers_a_new_revision():
    # community.aws.ecs_taskdefinition misses exactly this: same variables, same count, one new value.
    environment = [{"name": "NODE_ENV", "value": "production"}, {"name": "LOG_LEVEL", "value": "debug"}]
    result = decide(with_container(environment=environment))
    assert result["fields"] == ["container_definitions"]
    assert result["register"] is True and result["changed"] is True and result["retag"] is False
    before_env = result["before"]["container_definitions"][0]["environment"]
    after_env = result["after"]["container_definitions"][0]["environment"]
    assert {"name": "LOG_LEVEL", "value": "info"} in before_env
    assert {"name": "LOG_LEVEL", "value": "debug"} in after_env


@pytest.mark.parametrize(
    "desired",
    [
        with_container(secrets=[{"name": "DB_PASSWORD", "valueFrom": SECRET + ":username::"}]),
        with_container(image="123456789012.dkr.ecr.us-east-1.amazonaws.com/nestjs-playground:v2"),
        with_container(environment=[{"name": "NODE_ENV", "value": "production"}]),
        with_container(environment=api_container()["environment"] + [{"name": "PORT", "value": "3000"}]),
        with_container(environment=[{"name": "NODE_ENV", "value": "production"}, {"name": "LOGLEVEL", "value": "info"}]),
        with_container(portMappings=[{"containerPort": 3000, "protocol": "udp"}]),
        with_container(portMappings=[{"containerPort": 8080}]),
        with_container(essential=False),
        with_container(cpu=128),
        with_container(healthCheck={"command": ["CMD-SHELL", "true"], "interval": 10}),
        with_container(logConfiguration={"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/qa", "awslogs-stream-prefix": "api"}}),
        params(container_definitions=[api_container(), {"name": "worker", "image": "w:1"}]),
        params(container_definitions=[api_container(name="web")]),
    ],
    ids=["secret-valueFrom", "image", "env-removed", "env-added", "env-renamed", "port-protocol", "port",
         "essential", "container-cpu", "health-check", "log-group", "container-added", "container-renamed"],
)
def test_a_container_change_registers_a_new_revision(desired):
    result = decide(desired)
    assert result["fields"] == ["container_definitions"]
    assert result["register"] is True


def test_a_container_removed_registers_a_new_revision():
    sidecar = {"name": "aws-otel", "image": "otel:1", "cpu": 0, "essential": False, "portMappings": [], "environment": [],
               "mountPoints": [], "volumesFrom": []}
    current = aws_described(aws_described()["containerDefinitions"] + [sidecar])
    result = decide(params(), current)
    assert result["fields"] == ["container_definitions"]
    assert [c["name"] for c in result["before"]["container_definitions"]] == ["api", "aws-otel"]
    assert [c["name"] for c in result["after"]["container_definitions"]] == ["api"]


@pytest.mark.parametrize(
    "desired, field",
    [
        (params(cpu=512), "cpu"),
        (params(memory="1 GB"), "memory"),  # community.aws.ecs_taskdefinition does not compare memory at all
        # the port mapping's hostPort default depends on the mode, so the containers read differently too
        (params(network_mode="bridge"), ["container_definitions", "network_mode"]),
        (params(requires_compatibilities=["EC2"]), "requires_compatibilities"),
        (params(execution_role_arn=EXEC_ROLE + "-v2"), "execution_role_arn"),
        (params(task_role_arn=None), "task_role_arn"),
        (params(runtime_platform={"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"}), "runtime_platform"),
        (params(volumes=[{"name": "scratch"}]), "volumes"),
    ],
)
def test_a_task_level_change_registers_a_new_revision(desired, field):
    result = decide(desired)
    assert result["fields"] == (field if isinstance(field, list) else [field])
    assert result["register"] is True


def test_a_role_that_appears_is_a_change_even_though_aws_returned_no_such_field():
    current = aws_described()
    del current["taskRoleArn"]
    result = decide(params(), current)
    assert result["fields"] == ["task_role_arn"]
    assert result["before"]["task_role_arn"] is None and result["after"]["task_role_arn"] == TASK_ROLE


def test_role_arns_are_compared_exactly():
    assert decide(params(execution_role_arn=EXEC_ROLE.upper()))["fields"] == ["execution_role_arn"]


# plan: creation, tags, diff -----------------------------------------------------------------------

def test_plan_registers_the_first_revision_with_the_asked_tags():
    result = plan(desired_spec(params()), None, {}, TAGS, True)
    assert result["register"] is True and result["changed"] is True and result["retag"] is False
    assert result["before"] == {}
    assert result["after"]["tags"] == TAGS
    assert result["after"]["cpu"] == "256" and result["after"]["memory"] == "512"
    assert set(result["after"]) == set(DEFINITION_FIELDS) | {"tags"}


def test_a_tag_change_on_an_unchanged_definition_retags_and_registers_nothing():
    result = decide(params(), tags={"App": "nestjs-playground", "Env": "qa"})
    assert result["register"] is False
    assert result["retag"] is True and result["changed"] is True
    assert result["tags_to_set"] == {"Env": "qa"} and result["tags_to_remove"] == []
    assert result["before"]["tags"] == TAGS and result["after"]["tags"] == {"App": "nestjs-playground", "Env": "qa"}


def test_purge_tags_removes_a_tag_not_asked_for():
    result = decide(params(), tags={"App": "nestjs-playground"})
    assert result["retag"] is True and result["tags_to_remove"] == ["Env"]


def test_without_purge_tags_an_extra_tag_is_kept_and_nothing_changes():
    result = decide(params(), tags={"App": "nestjs-playground"}, purge_tags=False)
    assert result["changed"] is False and result["after"]["tags"] == TAGS


def test_a_new_revision_without_tags_asked_carries_the_current_tags():
    result = decide(with_container(image="nginx:2"), tags=None)
    assert result["register"] is True and result["retag"] is False
    assert result["after"]["tags"] == TAGS


def test_a_new_revision_with_a_tag_change_takes_the_new_tags_and_is_not_retagged():
    result = decide(with_container(image="nginx:2"), tags={"Env": "qa"})
    assert result["register"] is True and result["retag"] is False
    assert result["after"]["tags"] == {"Env": "qa"}


def test_the_diff_shows_normalised_definitions_on_both_sides():
    result = decide(params(cpu=512))
    assert result["before"]["cpu"] == "256" and result["after"]["cpu"] == "512"
    assert result["before"]["container_definitions"] == result["after"]["container_definitions"]
    port = result["after"]["container_definitions"][0]["portMappings"][0]
    assert port == {"containerPort": 3000, "hostPort": 3000, "protocol": "tcp"}


def test_definition_differences_lists_fields_in_order():
    before = normalise_definition(aws_described())
    after = normalise_definition(desired_spec(params(cpu=1024, memory=2048, task_role_arn=None)))
    assert definition_differences(after, before) == ["cpu", "memory", "task_role_arn"]


# desired_spec and helpers ---------------------------------------------------------------------------

def test_desired_spec_passes_container_definitions_through_and_leaves_unset_options_out():
    asked = api_container(stopTimeout=None)
    spec = desired_spec(params(container_definitions=[asked], task_role_arn=None, cpu="1 vCPU", memory=2048))
    assert spec["containerDefinitions"] == [api_container()]
    assert "taskRoleArn" not in spec and "runtimePlatform" not in spec and "volumes" not in spec
    assert spec["cpu"] == "1024" and spec["memory"] == "2048"
    assert spec["networkMode"] == "awsvpc" and spec["requiresCompatibilities"] == ["FARGATE"]


def test_desired_spec_does_not_modify_the_module_params():
    asked = params()
    kept = copy.deepcopy(asked)
    plan(desired_spec(asked), aws_described(), TAGS, None, True)
    assert asked == kept


@pytest.mark.parametrize(
    "arn, expected",
    [
        ("arn:aws:ecs:us-east-1:123456789012:task-definition/web:3", ("web", 3)),
        ("arn:aws:ecs:us-east-1:123456789012:task-definition/web-worker:12", ("web-worker", 12)),
    ],
)
def test_family_of_reads_family_and_revision(arn, expected):
    assert family_of(arn) == expected


@pytest.mark.parametrize(("arn", "expected"), [
    ("arn:aws:ecs:us-east-1:123456789012:task-definition/app:7", "arn:aws:ecs:us-east-1:123456789012:task-definition/app:8"),
    ("arn:aws:ecs:us-east-1:123456789012:task-definition/app:9", "arn:aws:ecs:us-east-1:123456789012:task-definition/app:10"),
    ("arn:aws:ecs:us-east-1:123456789012:task-definition/app", "arn:aws:ecs:us-east-1:123456789012:task-definition/app"),
])
def test_next_revision_arn_predicts_the_revision_check_mode_announces(arn, expected):
    from ansible_collections.nestjs_playground.infra.plugins.modules.ecs_task_definition import next_revision_arn
    assert next_revision_arn(arn) == expected


# settle_twins: two runs at once registered the same definition ------------------------------------

def _registered(revision, **changes):
    definition = {"family": "web", "revision": revision, "taskDefinitionArn": f"arn:aws:ecs:us-east-1:1:task-definition/web:{revision}",
                  "containerDefinitions": [{"name": "app", "image": "nginx:1", "essential": True}],
                  "cpu": "256", "memory": "512", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"]}
    definition.update(changes)
    return definition


def _after():
    return normalise_definition(_registered(0))


def test_settle_twins_keeps_the_lower_of_two_identical_revisions_whichever_run_asks():
    assert settle_twins(3, {2: _registered(2)}, _after()) == (2, [3])
    assert settle_twins(2, {3: _registered(3)}, _after()) == (2, [3])


def test_settle_twins_leaves_a_different_definition_alone():
    other = _registered(2, memory="1024")
    assert settle_twins(3, {2: other}, _after()) == (3, [])


def test_settle_twins_with_three_runs_keeps_one():
    assert settle_twins(4, {2: _registered(2), 3: _registered(3)}, _after()) == (2, [3, 4])


# the Resource, against a stubbed client ------------------------------------------------------------

def stubbed(state="present"):
    """test_resource's FakeModule with a task definition's parameters, and its ECS stubber."""
    module = FakeModule({"family": "web", "state": state, "container_definitions": [{"name": "app", "image": "nginx:1"}],
                         "cpu": "256", "memory": "512", "network_mode": "awsvpc", "requires_compatibilities": ["FARGATE"],
                         "execution_role_arn": None, "task_role_arn": None, "runtime_platform": None, "volumes": None,
                         "tags": None, "purge_tags": True})
    return module.stubber("ecs"), TaskDefinition(module)


def arn(revision):
    return f"arn:aws:ecs:us-east-1:1:task-definition/web:{revision}"


def test_a_family_without_an_active_revision_is_absent_on_aws_and_on_the_emulator():
    stubber, definition = stubbed(state="absent")
    # AWS: ClientException for a family without ACTIVE revision; then the listing finds none either.
    stubber.add_client_error("describe_task_definition", "ClientException", expected_params={"taskDefinition": "web", "include": ["TAGS"]})
    stubber.add_response("list_task_definitions", {"taskDefinitionArns": []})
    stubber.add_response("list_task_definitions", {"taskDefinitionArns": []})
    with stubber:
        assert definition.describe() is None
    assert definition.deregistered == []


def test_a_twin_the_other_run_already_deregistered_is_kept_as_the_lower_revision():
    stubber, definition = stubbed()
    decision = definition.plan(None)
    stubber.add_response("register_task_definition", {"taskDefinition": _registered(3)})
    stubber.add_response("list_task_definitions", {"taskDefinitionArns": [arn(3), arn(2), "arn:aws:ecs:us-east-1:1:task-definition/web-worker:5"]})
    stubber.add_response("describe_task_definition", {"taskDefinition": _registered(2)}, expected_params={"taskDefinition": arn(2), "include": ["TAGS"]})
    # The other run deregistered its own twin, this run's revision 3, meanwhile: AWS answers ClientException.
    stubber.add_client_error("deregister_task_definition", "ClientException", expected_params={"taskDefinition": arn(3)})
    with stubber:
        state = definition.apply(decision, None)
    stubber.assert_no_pending_responses()
    assert state["definition"]["revision"] == 2 and state["tags"] == {}
    assert definition.result(decision, state)["task_definition_arn"] == arn(2)
