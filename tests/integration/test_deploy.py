"""playbooks/deploy.yml on a dev environment with the scheduler on, against one local AWS endpoint.

One scenario, run once: the landing zone; site.yml; two image tags pushed; a deploy of a tag the repository
does not hold (refused); a deploy in check mode; a deploy of 1.0.0; the same deploy again; site.yml with
app_version 1.0.0 (it must find nothing to change); a deploy to an environment whose scheduler is enabled
but was never converged (refused). The tests read each run's report and the task definitions and services
the endpoint holds after each run.
"""

import pytest

from conftest import converged
from resources import push_image
from resources import start_tasks

pytestmark = pytest.mark.integration

DEPLOY = "playbooks/deploy.yml"
APP = "nestjs-playground-dev"
SCHEDULER = "nestjs-playground-scheduler-dev"
WITH_SCHEDULER = {"schedule_task_cleanup_cron": "0 2 * * *", "deploy_wait_timeout": 120}   # a failed wait fails in 2 minutes
REPORT = "Show what was deployed"
IMAGE_REFUSAL = "Refuse an image tag the repository does not hold, before any change"


def observe(ansible):
    """For each service: the revisions of its family (ACTIVE, oldest first, with their image) and the one it runs."""
    ecs = ansible.client("ecs")
    state = {}
    for service, family in ((APP, APP), (SCHEDULER, SCHEDULER)):
        revisions = {}
        for arn in ecs.list_task_definitions(familyPrefix=family, status="ACTIVE")["taskDefinitionArns"]:
            definition = ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
            revisions[definition["revision"]] = definition["containerDefinitions"][0]["image"].rpartition(":")[2]
        (described,) = ecs.describe_services(cluster=APP, services=[service])["services"]
        state[service] = {"revisions": dict(sorted(revisions.items())),
                          "runs": int(described["taskDefinition"].rpartition(":")[2])}
    return state


@pytest.fixture(scope="module")
def scenario(ansible, tmp_path_factory):
    runs, states = {}, {}
    # The dev converge with the scheduler, restored when another module of this run made it (conftest.converged: as
    # test_deploy.py, test_rollback.py and test_ecs_scheduler_role.py converge; deploy_wait_timeout is deploy.yml's).
    lz, runs["converge"] = converged(ansible, tmp_path_factory.mktemp("landing-zone"),
                                     [{"schedule_task_cleanup_cron": WITH_SCHEDULER["schedule_task_cleanup_cron"]}])
    states["converge"] = observe(ansible)

    def run(step, playbook, *extra, check=False):
        runs[step] = ansible.playbook(playbook, extra_vars=[lz, WITH_SCHEDULER, *extra], check=check, diff=check)
        states[step] = observe(ansible)

    start_tasks(ansible, APP, SCHEDULER)   # the emulator never starts a created service's tasks by itself
    for tag in ("0.9.0", "1.0.0"):
        push_image(ansible, "nestjs-playground", tag)
    run("deploy_missing_tag", DEPLOY, {"app_version": "9.9.9"})
    run("deploy_check", DEPLOY, {"app_version": "1.0.0"}, check=True)
    run("deploy", DEPLOY, {"app_version": "1.0.0"})
    run("deploy_again", DEPLOY, {"app_version": "1.0.0"})
    run("converge_same_version", "site.yml", {"app_version": "1.0.0"})
    run("deploy_scheduler_never_converged", DEPLOY, {"app_version": "1.0.0", "scheduler_service_name": "never-converged"})
    return {"runs": runs, "states": states}


def test_the_converge_runs_revision_1_of_each_family_with_the_inventory_version(scenario):
    assert scenario["states"]["converge"] == {APP: {"revisions": {1: "latest"}, "runs": 1},
                                              SCHEDULER: {"revisions": {1: "latest"}, "runs": 1}}


def test_a_tag_the_repository_does_not_hold_is_refused_naming_the_tags_it_holds(scenario):
    run = scenario["runs"]["deploy_missing_tag"]
    assert run.rc == 2, run
    message = run.failure()
    assert message.startswith("Nothing was deployed: app_version '9.9.9' is not an image tag in the ECR repository "
                              "123456789012.dkr.ecr.us-east-1.amazonaws.com/nestjs-playground (it holds ")
    assert "1.0.0" in message and "0.9.0" in message
    assert [name for name, _ in run.results()][-1] == IMAGE_REFUSAL


def test_a_refused_deploy_registers_nothing_and_updates_no_service(scenario):
    assert scenario["states"]["deploy_missing_tag"] == scenario["states"]["converge"]
    assert scenario["runs"]["deploy_missing_tag"].host_stats()["changed"] == 0


def test_a_deploy_in_check_mode_reports_both_rollouts_and_changes_nothing(scenario):
    run = scenario["runs"]["deploy_check"]
    assert run.rc == 0, run
    assert scenario["states"]["deploy_check"] == scenario["states"]["converge"]
    changed = run.changed_tasks()
    assert "Roll the service out to the task definition and wait until the deployment is stable or rolled back" in changed
    assert "Roll the scheduler's service out to the task definition and wait until the deployment is stable or rolled back" in changed
    assert run.result(REPORT)["msg"][0].startswith("Would deploy (check mode) ")


def test_a_deploy_registers_a_new_revision_with_the_new_image_for_each_service_and_runs_it(scenario):
    run = scenario["runs"]["deploy"]
    assert run.rc == 0, run
    assert scenario["states"]["deploy"] == {APP: {"revisions": {1: "latest", 2: "1.0.0"}, "runs": 2},
                                            SCHEDULER: {"revisions": {1: "latest", 2: "1.0.0"}, "runs": 2}}


def test_a_deploy_changes_only_the_task_definitions_and_the_services(scenario):
    assert sorted(scenario["runs"]["deploy"].changed_tasks()) == sorted([
        "Ensure the task definition runs the image with its configuration and secrets",
        "Roll the service out to the task definition and wait until the deployment is stable or rolled back",
        "Ensure the scheduler's task definition runs the application's image with the cron and the secrets",
        "Roll the scheduler's service out to the task definition and wait until the deployment is stable or rolled back",
    ])


def test_a_deploy_waits_and_reports_each_deployment_stable(scenario):
    run = scenario["runs"]["deploy"]
    for task in ("Roll the service out to the task definition and wait until the deployment is stable or rolled back",
                 "Roll the scheduler's service out to the task definition and wait until the deployment is stable or rolled back"):
        assert run.result(task)["rollout"] == "completed"
    lines = run.result(REPORT)["msg"]
    assert lines[0].startswith(f"Deployed 123456789012.dkr.ecr.us-east-1.amazonaws.com/nestjs-playground:1.0.0 (sha256:")
    assert lines[0].endswith(f") to {APP} in us-east-1:")
    assert lines[1] == (f"  application {APP}: arn:aws:ecs:us-east-1:123456789012:task-definition/{APP}:2 (new revision)"
                        " - stable: the deployment completed; 0 of 0 tasks running")
    assert lines[2] == (f"  scheduler {SCHEDULER}: arn:aws:ecs:us-east-1:123456789012:task-definition/{SCHEDULER}:2 (new revision)"
                        " - stable: the deployment completed; 1 of 1 tasks running")


def test_the_same_deploy_again_changes_nothing_and_says_so(scenario):
    run = scenario["runs"]["deploy_again"]
    assert run.rc == 0, run
    assert run.host_stats()["changed"] == 0, run.changed_tasks()
    assert scenario["states"]["deploy_again"] == scenario["states"]["deploy"]
    assert run.result(REPORT)["msg"][1].endswith(":2 - it already ran this revision: nothing to roll out; 0 of 0 tasks running")


def test_site_yml_with_the_deployed_version_finds_nothing_to_change(scenario):
    run = scenario["runs"]["converge_same_version"]
    assert run.rc == 0, run
    assert [t for t in run.changed_tasks() if not t.startswith("Write the outputs file")] == []
    assert scenario["states"]["converge_same_version"] == scenario["states"]["deploy"]


def test_an_enabled_scheduler_that_was_never_converged_is_refused_before_any_change(scenario):
    run = scenario["runs"]["deploy_scheduler_never_converged"]
    assert run.rc == 2, run
    assert run.failure() == (
        f"Nothing was deployed to {APP}: the scheduler never-converged (schedule_task_cleanup_cron is set) does not exist"
        " in us-east-1 yet. Converge the environment first: ansible-playbook site.yml -i <inventory>.")
    assert run.host_stats()["changed"] == 0
