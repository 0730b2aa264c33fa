"""playbooks/rollback.yml on a dev environment with the scheduler on, against one local AWS endpoint.

One scenario, run once: the landing zone; site.yml; images 1.0.0 and 1.1.0 pushed and deployed in turn
(revisions 2 and 3 of each family); a rollback (to the previous revision, 2); a second rollback, refused
because the revision before 2 runs an image the repository does not hold (and the same with an empty
rollback_to_revision, as an AWX survey sends it); a rollback_to_revision that is not a revision
(refused); a plan and a converge with the inventory's app_version 1.1.0 (they roll the services forward
again, without a new revision); a rollback to the named revision 2. The tests read
each run's report and the revisions the services run after each run.
"""

import pytest

from conftest import converged
from resources import push_image
from resources import start_tasks

pytestmark = pytest.mark.integration

ROLLBACK = "playbooks/rollback.yml"
DEPLOY = "playbooks/deploy.yml"
APP = "nestjs-playground-dev"
SCHEDULER = "nestjs-playground-scheduler-dev"
WITH_SCHEDULER = {"schedule_task_cleanup_cron": "0 2 * * *", "deploy_wait_timeout": 120}   # a failed wait fails in 2 minutes
REPORT = "Show what was rolled back, and what the next converge does"
REPOSITORY = "123456789012.dkr.ecr.us-east-1.amazonaws.com/nestjs-playground"


def observe(ansible):
    """The revision each service runs, and how many ACTIVE revisions each family has."""
    ecs = ansible.client("ecs")
    state = {}
    for service in (APP, SCHEDULER):
        (described,) = ecs.describe_services(cluster=APP, services=[service])["services"]
        active = ecs.list_task_definitions(familyPrefix=service, status="ACTIVE")["taskDefinitionArns"]
        state[service] = {"runs": int(described["taskDefinition"].rpartition(":")[2]), "active": len(active)}
    return state


@pytest.fixture(scope="module")
def scenario(ansible, tmp_path_factory):
    plans = tmp_path_factory.mktemp("plans")
    runs, states = {}, {}
    # The dev converge with the scheduler, restored when another module of this run made it (conftest.converged: as
    # test_deploy.py, test_rollback.py and test_ecs_scheduler_role.py converge; deploy_wait_timeout is deploy.yml's).
    lz, runs["converge"] = converged(ansible, tmp_path_factory.mktemp("landing-zone"),
                                     [{"schedule_task_cleanup_cron": WITH_SCHEDULER["schedule_task_cleanup_cron"]}])
    states["converge"] = observe(ansible)

    def run(step, playbook, *extra):
        runs[step] = ansible.playbook(playbook, extra_vars=[lz, WITH_SCHEDULER, *extra])
        states[step] = observe(ansible)

    start_tasks(ansible, APP, SCHEDULER)   # the emulator never starts a created service's tasks by itself
    for tag in ("1.0.0", "1.1.0"):
        push_image(ansible, "nestjs-playground", tag)
        run(f"deploy_{tag}", DEPLOY, {"app_version": tag})
        assert runs[f"deploy_{tag}"].rc == 0, runs[f"deploy_{tag}"]
    run("rollback", ROLLBACK, {"app_version": "1.1.0"})
    run("rollback_to_an_image_gone", ROLLBACK, {"app_version": "1.1.0"})
    # an AWX survey's empty answer to the optional question
    run("rollback_empty_revision", ROLLBACK, {"app_version": "1.1.0", "rollback_to_revision": ""})
    run("rollback_bad_revision", ROLLBACK, {"app_version": "1.1.0", "rollback_to_revision": "two"})
    run("rollback_missing_revision", ROLLBACK, {"app_version": "1.1.0", "rollback_to_revision": 9})
    run("plan", "playbooks/plan.yml", {"app_version": "1.1.0", "plan_file": str(plans / "plan.json")})
    run("converge_forward", "site.yml", {"app_version": "1.1.0"})
    run("rollback_named", ROLLBACK, {"app_version": "1.1.0", "rollback_to_revision": 2})
    return {"runs": runs, "states": states}


def test_the_deploys_leave_each_service_on_revision_3_of_3(scenario):
    assert scenario["states"]["deploy_1.1.0"] == {APP: {"runs": 3, "active": 3}, SCHEDULER: {"runs": 3, "active": 3}}


def test_a_rollback_lands_each_service_on_the_previous_revision_and_registers_nothing(scenario):
    run = scenario["runs"]["rollback"]
    assert run.rc == 0, run
    assert scenario["states"]["rollback"] == {APP: {"runs": 2, "active": 3}, SCHEDULER: {"runs": 2, "active": 3}}


def test_a_rollback_changes_only_the_two_services(scenario):
    assert sorted(scenario["runs"]["rollback"].changed_tasks()) == sorted([
        "Set the application's service back to the revision and wait until the deployment is stable",
        "Set the scheduler's service to its revision running the same image and wait until it is stable",
    ])


def test_the_rollback_report_names_both_revisions_the_image_and_what_the_next_converge_does(scenario):
    lines = scenario["runs"]["rollback"].result(REPORT)["msg"]
    assert lines[0] == f"Rolled back {APP} from {APP}:3 to {APP}:2 in us-east-1 ({REPOSITORY}:1.0.0):"
    assert lines[1].startswith(f"  application {APP}: ")
    assert lines[1].endswith(f"{APP}:2 - stable: the deployment completed; 0 of 0 tasks running")
    assert lines[2].endswith(f"{SCHEDULER}:2 - stable: the deployment completed; 1 of 1 tasks running")
    assert lines[3] == ("The inventory names app_version 1.1.0, not 1.0.0: the next site.yml rolls the services forward to"
                        " 1.1.0 (plan.yml shows it). To keep this rollback, set app_version: 1.0.0 in the inventory.")


def test_previous_walks_back_and_refuses_a_revision_whose_image_the_repository_no_longer_holds(scenario):
    run = scenario["runs"]["rollback_to_an_image_gone"]
    assert run.rc == 2, run
    # Revision 1 runs the inventory's first version, latest, never pushed to this repository.
    assert run.failure().startswith(f"Nothing was rolled back: {APP}:1 runs {REPOSITORY}:latest, which the repository"
                                    " no longer holds (it holds ")
    assert run.host_stats()["changed"] == 0
    assert scenario["states"]["rollback_to_an_image_gone"] == scenario["states"]["rollback"]


def test_an_empty_rollback_to_revision_goes_back_to_the_previous_revision(scenario):
    run = scenario["runs"]["rollback_empty_revision"]
    assert run.rc == 2, run
    # not refused as invalid: it walked back from 2 to 1, as without rollback_to_revision
    assert run.failure() == scenario["runs"]["rollback_to_an_image_gone"].failure()
    assert run.host_stats()["changed"] == 0
    assert scenario["states"]["rollback_empty_revision"] == scenario["states"]["rollback"]


def test_a_rollback_to_revision_that_is_not_a_number_is_refused_before_any_aws_call(scenario):
    run = scenario["runs"]["rollback_bad_revision"]
    assert run.rc == 2, run
    assert run.failure().startswith("rollback_to_revision 'two' is not valid: it must be a revision number")
    assert [name for name, _ in run.results()][-1] == "Check rollback_to_revision before any AWS call"


def test_a_revision_that_is_not_active_is_refused_listing_the_active_ones(scenario):
    run = scenario["runs"]["rollback_missing_revision"]
    assert run.rc == 2, run
    assert run.failure() == (
        f"Nothing was rolled back: rollback_to_revision 9 is not an ACTIVE revision of the family {APP}"
        " (ACTIVE revisions: 3, 2, 1). To run an older image, deploy it: playbooks/deploy.yml -e app_version=<tag>.")
    assert scenario["states"]["rollback_missing_revision"] == scenario["states"]["rollback"]


def test_the_plan_after_a_rollback_shows_the_services_rolling_forward_to_the_inventory_version(scenario):
    run = scenario["runs"]["plan"]
    assert run.rc == 0, run
    lines = run.result("Show the plan")["msg"]
    assert lines[0].startswith(f"Plan for {APP} in us-east-1: 2 changes (0 to create, 2 to change, 0 to remove)")
    service_lines = [line for line in lines[1:] if line.startswith("  ")]
    assert len(service_lines) == 2
    assert all(" ecs_service " in line and "(task_definition" in line for line in service_lines)
    assert scenario["states"]["plan"] == scenario["states"]["rollback"]


def test_the_next_converge_rolls_forward_to_the_newest_revision_without_registering_one(scenario):
    run = scenario["runs"]["converge_forward"]
    assert run.rc == 0, run
    assert scenario["states"]["converge_forward"] == {APP: {"runs": 3, "active": 3}, SCHEDULER: {"runs": 3, "active": 3}}


def test_a_rollback_to_a_named_revision_lands_on_it(scenario):
    run = scenario["runs"]["rollback_named"]
    assert run.rc == 0, run
    assert scenario["states"]["rollback_named"] == {APP: {"runs": 2, "active": 3}, SCHEDULER: {"runs": 2, "active": 3}}
    assert run.result(REPORT)["msg"][0] == f"Rolled back {APP} from {APP}:3 to {APP}:2 in us-east-1 ({REPOSITORY}:1.0.0):"
