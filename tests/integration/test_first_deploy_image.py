"""The first-deploy image trap (issue 22), against one local AWS endpoint: the repository is created empty and
app_version defaults to latest, so a first converge would start tasks that can never pull their image.

One scenario, run once, with the scheduler on: site.yml waiting for the service (service_wait, as in production)
stops after the ECR tier and before the services change; plan.yml says the same as a note; a converge that does
not wait goes on and its summary says what to do; an existing service (it runs a task now) is what counts, not
service_desired_count; once the image is pushed (put_image with a fake manifest: the emulator holds no layers),
the summary names its digest and the check says nothing. The wait itself (why the tasks stopped) is proved by
unit tests (tests/unit/plugins/modules/test_ecs_service.py): the emulator starts no task (docs/emulator-gaps.md).
"""

import pytest

from conftest import landing_zone
from resources import push_image

pytestmark = pytest.mark.integration

APP = "nestjs-playground-dev"
SCHEDULER = "nestjs-playground-scheduler-dev"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/nestjs-playground:latest"
WITH_TASKS = {"schedule_task_cleanup_cron": "0 2 * * *", "service_desired_count": 1}
SUMMARY = "Show what the environment is made of"
STOP = "Stop before the services change when a run that waits for them would start tasks without their image"
WARN = "Say that the services would run tasks without their image"
PUSH = ("Push the image first: docker push " + IMAGE + " (after aws ecr get-login-password | docker login --username AWS "
        "--password-stdin 123456789012.dkr.ecr.us-east-1.amazonaws.com), then run site.yml again")


def services(ansible):
    """The active ECS services of the endpoint, with their desired counts, and the task definition families' revisions."""
    ecs = ansible.client("ecs")
    found = {}
    for cluster in ecs.list_clusters()["clusterArns"]:
        arns = ecs.list_services(cluster=cluster)["serviceArns"]
        if arns:
            found.update({s["serviceName"]: s["desiredCount"] for s in ecs.describe_services(cluster=cluster, services=arns)["services"]
                          if s["status"] == "ACTIVE"})
    return {"services": found, "task definitions": sorted(ecs.list_task_definitions(status="ACTIVE")["taskDefinitionArns"])}


@pytest.fixture(scope="module")
def scenario(ansible, tmp_path_factory):
    lz = landing_zone(ansible, tmp_path_factory.mktemp("landing-zone"))
    runs, states = {}, {}

    def run(step, playbook, *extra, tags=None):
        args = ["--tags", tags] if tags else []
        runs[step] = ansible.playbook(playbook, extra_vars=[lz, WITH_TASKS, *extra], args=args)
        states[step] = services(ansible)

    run("waiting", "site.yml", {"service_wait": True})
    run("plan", "playbooks/plan.yml", tags="compute,scheduler")
    run("not_waiting", "site.yml", tags="compute,scheduler")
    run("existing_waiting", "site.yml", {"service_wait": True, "service_desired_count": 0, "app_version": "2.0.0"}, tags="compute")
    push_image(ansible, "nestjs-playground", "latest")
    run("pushed", "site.yml", tags="compute,scheduler")
    return {"runs": runs, "states": states}


def test_a_run_that_waits_stops_after_the_repository_and_before_the_services_naming_the_push(scenario, ansible):
    run = scenario["runs"]["waiting"]
    assert run.rc == 2, run
    assert [name for name, _ in run.results()][-1] == STOP
    message = run.failure()
    assert message == (
        "Nothing was changed in the compute and scheduler tiers: app_version 'latest' is not in the ECR repository "
        "nestjs-playground (it holds no tagged image), and the service nestjs-playground-dev would run 1 task "
        "(service_desired_count) and the scheduler nestjs-playground-scheduler-dev 1 task: ECS stops every task it starts "
        "without the image (CannotPullContainerError). site.yml stops before changing the services, as it would wait for "
        "them (service_wait true). " + PUSH + ", or create the service without tasks: -e service_desired_count=0, or stop "
        "the scheduler: unset schedule_task_cleanup_cron.")
    assert [r["repositoryName"] for r in ansible.client("ecr").describe_repositories()["repositories"]] == ["nestjs-playground"]
    assert scenario["states"]["waiting"] == {"services": {}, "task definitions": []}


def test_the_plan_says_it_as_a_note(scenario):
    run = scenario["runs"]["plan"]
    assert run.rc == 0, run
    notes = [line for line in run.result("Show the plan")["msg"] if line.startswith("Note: app_version")]
    assert notes == [
        "Note: app_version 'latest' is not in the ECR repository nestjs-playground (it holds no tagged image), and the service "
        "nestjs-playground-dev would run 1 task (service_desired_count) and the scheduler nestjs-playground-scheduler-dev "
        "1 task: ECS stops every task it starts without the image (CannotPullContainerError). site.yml goes on without "
        "waiting, and the tasks will not start. " + PUSH + ", or create the service without tasks: -e service_desired_count=0, "
        "or stop the scheduler: unset schedule_task_cleanup_cron."]


def test_a_run_that_does_not_wait_goes_on_and_its_summary_says_what_to_do(scenario):
    run = scenario["runs"]["not_waiting"]
    assert run.rc == 0, run
    assert run.result(WARN)["msg"].startswith("app_version 'latest' is not in the ECR repository nestjs-playground")
    (line,) = [line for line in run.result(SUMMARY)["msg"] if line.startswith("Image")]
    assert line.startswith("Image       " + IMAGE + ", NOT IN THE REPOSITORY: app_version 'latest' is not in")
    assert PUSH in line
    assert scenario["states"]["not_waiting"]["services"] == {APP: 1, SCHEDULER: 1}


def test_an_existing_service_counts_with_the_tasks_it_runs_not_service_desired_count(scenario):
    run = scenario["runs"]["existing_waiting"]
    assert run.rc == 2, run
    message = run.failure()
    assert ("app_version '2.0.0' is not in the ECR repository nestjs-playground (it holds no tagged image), and the service "
            "nestjs-playground-dev would run 1 task (its desired count now): ") in message
    assert "docker push 123456789012.dkr.ecr.us-east-1.amazonaws.com/nestjs-playground:2.0.0 " in message
    assert message.endswith("then run site.yml again, or stop the service first: playbooks/scale.yml -e scale_action=stop.")
    assert "the scheduler " not in message   # --tags compute: the scheduler is not changed
    assert scenario["states"]["existing_waiting"] == scenario["states"]["not_waiting"]   # no revision registered, nothing updated


def test_once_the_image_is_pushed_the_summary_names_its_digest_and_nothing_else_is_said(scenario):
    run = scenario["runs"]["pushed"]
    assert run.rc == 0, run
    assert run.result(WARN).get("skipped"), run
    (line,) = [line for line in run.result(SUMMARY)["msg"] if line.startswith("Image")]
    assert line.startswith("Image       " + IMAGE + " (sha256:")
    assert run.host_stats()["changed"] == 0, run.changed_tasks()
