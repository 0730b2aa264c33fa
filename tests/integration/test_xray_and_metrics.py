"""AWS X-Ray (spec: Infrastructure Monitoring, optional) and custom metrics (spec: Application Monitoring) of the
application's task, through site.yml against one local AWS endpoint: the whole site converged with X-Ray off,
then the compute tier alone (`--tags compute`): X-Ray on in check mode, on, on again, off, off again; and a
daemon budget that does not fit the task, refused."""

import json

import pytest

from conftest import converged

pytestmark = pytest.mark.integration

APP = "nestjs-playground-dev"
XRAY = {"xray_enabled": True}
TASK_ROLE_TASK = ("Ensure the task role may read exactly the task's secrets, put metrics in its own namespace and, "
                  "with xray_enabled, send traces")
TASKDEF_TASK = "Ensure the task definition runs the image with its configuration and secrets"
SERVICE_TASK = "Ensure the Fargate service runs in the private subnets behind the target group"
SWITCH_TASKS = [TASK_ROLE_TASK, TASKDEF_TASK, SERVICE_TASK]
XRAY_ACTIONS = ["xray:GetSamplingRules", "xray:GetSamplingStatisticSummaries", "xray:GetSamplingTargets",
                "xray:PutTelemetryRecords", "xray:PutTraceSegments"]


def observe(ansible):
    ecs, iam = ansible.client("ecs"), ansible.client("iam")
    service = ecs.describe_services(cluster=APP, services=[APP])["services"][0]
    definition = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    policy = iam.get_role_policy(RoleName=f"{APP}-task", PolicyName=f"{APP}-task")["PolicyDocument"]
    policy = json.loads(policy) if isinstance(policy, str) else policy
    return {
        "definition": definition,
        "containers": {c["name"]: c for c in definition["containerDefinitions"]},
        "statements": {s["Sid"]: s for s in policy["Statement"]},
        "revisions": ecs.list_task_definitions(familyPrefix=APP)["taskDefinitionArns"],
    }


@pytest.fixture(scope="module")
def scenario(ansible, ansible_recorded, recorded, tmp_path_factory):
    # The dev converge (--diff), restored when another module of this run made it (conftest.converged).
    lz, converge = converged(ansible, tmp_path_factory.mktemp("landing-zone"))
    steps = {"converge": (converge, observe(ansible))}

    def step(name, *extra, check=False, tags=("--tags", "compute"), ok=True):
        mark = recorded.mark()
        run = ansible_recorded.playbook("site.yml", extra_vars=[lz, *extra], check=check, diff=True, args=list(tags))
        if ok:
            assert run.rc == 0, f"{name}: {run!r}"
        steps[name] = (run, observe(ansible))
        steps[name + "_writes"] = [(call.service, call.action) for call in recorded.mutating_calls(mark)]

    step("on_check", XRAY, check=True)
    step("on", XRAY)
    step("on_again", XRAY)
    step("off")
    step("off_again")
    step("budget_too_big", XRAY, {"xray_daemon_memory_mb": 512}, ok=False)
    return steps


def environment(container):
    return {e["name"]: e["value"] for e in container.get("environment", [])}


def test_the_task_may_put_metrics_into_the_application_namespace_only(scenario):
    statements = scenario["converge"][1]["statements"]
    metrics = statements["PutMetricsInTheApplicationNamespace"]
    assert metrics["Action"] == "cloudwatch:PutMetricData"
    assert metrics["Condition"] == {"StringEquals": {"cloudwatch:namespace": "nestjs-playground/dev"}}
    cloudwatch = [a for s in statements.values() for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
                  if a.startswith("cloudwatch:")]
    assert cloudwatch == ["cloudwatch:PutMetricData"]


def test_without_xray_there_is_no_daemon_no_address_and_no_xray_permission(scenario):
    state = scenario["converge"][1]
    assert list(state["containers"]) == ["nestjs-playground"]
    assert "AWS_XRAY_DAEMON_ADDRESS" not in environment(state["containers"]["nestjs-playground"])
    assert "SendXRayTraces" not in state["statements"]


def test_switching_xray_on_in_check_mode_shows_the_three_changes_and_registers_nothing(scenario):
    run, state = scenario["on_check"]
    assert run.changed_tasks() == SWITCH_TASKS
    after = json.dumps(run.result(TASKDEF_TASK)["diff"]["after"])
    assert "public.ecr.aws/xray/aws-xray-daemon:3.x" in after and "AWS_XRAY_DAEMON_ADDRESS" in after
    assert state["revisions"] == scenario["converge"][1]["revisions"]
    assert "SendXRayTraces" not in state["statements"]
    assert scenario["on_check_writes"] == []


def test_with_xray_the_daemon_runs_beside_the_application_within_the_task_size(scenario):
    state = scenario["on"][1]
    assert scenario["on"][0].changed_tasks() == SWITCH_TASKS
    assert (state["definition"]["cpu"], state["definition"]["memory"]) == ("256", "512")
    daemon = state["containers"]["xray-daemon"]
    assert daemon["image"] == "public.ecr.aws/xray/aws-xray-daemon:3.x"
    assert daemon["essential"] is False
    assert (daemon["cpu"], daemon["memory"]) == (32, 64)
    assert [(p["containerPort"], p["protocol"]) for p in daemon["portMappings"]] == [(2000, "udp")]
    options = daemon["logConfiguration"]["options"]
    assert (options["awslogs-group"], options["awslogs-stream-prefix"]) == (f"/ecs/{APP}", "xray")
    app = state["containers"]["nestjs-playground"]
    assert environment(app)["AWS_XRAY_DAEMON_ADDRESS"] == "127.0.0.1:2000"
    assert app["logConfiguration"]["options"]["awslogs-stream-prefix"] == "ecs"


def test_with_xray_the_task_role_may_send_traces_and_read_sampling_rules(scenario):
    statements = scenario["on"][1]["statements"]
    assert sorted(statements["SendXRayTraces"]["Action"]) == XRAY_ACTIONS
    assert "PutMetricsInTheApplicationNamespace" in statements


def test_xray_on_again_changes_nothing(scenario):
    run = scenario["on_again"][0]
    assert run.host_stats()["changed"] == 0, run.changed_tasks()


def test_switching_xray_off_takes_the_daemon_the_address_and_the_permission_away(scenario):
    run, state = scenario["off"]
    assert run.changed_tasks() == SWITCH_TASKS
    assert list(state["containers"]) == ["nestjs-playground"]
    assert "AWS_XRAY_DAEMON_ADDRESS" not in environment(state["containers"]["nestjs-playground"])
    assert "SendXRayTraces" not in state["statements"]
    again = scenario["off_again"][0]
    assert again.host_stats()["changed"] == 0, again.changed_tasks()


def test_a_daemon_budget_that_leaves_the_application_nothing_is_refused_and_changes_nothing(scenario):
    run, state = scenario["budget_too_big"]
    assert run.rc != 0
    assert ("xray_daemon_memory_mb '512' is not valid: the X-Ray daemon's budget comes out of the task's size and must leave "
            "room for the application, so it must be less than task_memory_mb '512'.") in run.failure()
    assert run.changed_tasks() == []
    assert state["revisions"] == scenario["off_again"][1]["revisions"]
