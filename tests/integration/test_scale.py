"""playbooks/scale.yml on a dev environment with the scheduler on, against one local AWS endpoint.

One scenario, run once, with an autoscaling minimum of 1 (as qa and prd have; dev's inventory has 0, which
a stop would leave as it is): the landing zone; site.yml; a start; refusals before any AWS call (an
unknown scale_action, stopping prd without confirm_stop, a confirm_stop naming another environment: one
run, a host each); a stop in check mode; a stop; the same stop again; a plan and a site.yml converge of the
stopped environment (the minimum goes back to 1 and the scheduler runs again); a start. The tests read the
counts and limits the endpoint holds after each run.
"""

import os

import pytest
import yaml

from conftest import HostRun
from conftest import ROOT
from conftest import landing_zone
from conftest import write_inventory
from resources import requests_served

pytestmark = pytest.mark.integration

SCALE = "playbooks/scale.yml"
APP = "nestjs-playground-dev"
SCHEDULER = "nestjs-playground-scheduler-dev"
WITH_SCHEDULER = {"schedule_task_cleanup_cron": "0 2 * * *", "service_min_capacity": 1}
REFUSAL = "Refuse what this environment does not allow, before any AWS call"
APP_TASK = "Set the number of tasks the service runs (0 to stop it)"
MIN_TASK = "Ensure the service scales between its minimum and maximum on average CPU"
SCHEDULER_TASK = "Set the number of tasks the scheduler's service runs (0 while stopped, 1 when started)"


def counts(ansible):
    """Desired counts of both services and the autoscaling limits of the application."""
    ecs, aas = ansible.client("ecs"), ansible.client("application-autoscaling")
    described = {s["serviceName"]: s["desiredCount"]
                 for s in ecs.describe_services(cluster=APP, services=[APP, SCHEDULER])["services"]}
    (target,) = aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    return {"app": described[APP], "scheduler": described[SCHEDULER],
            "min": target["MinCapacity"], "max": target["MaxCapacity"]}


@pytest.fixture(scope="module")
def scenario(ansible, emulator, tmp_path_factory):
    lz = landing_zone(ansible, tmp_path_factory.mktemp("landing-zone"))
    plans = tmp_path_factory.mktemp("plans")
    runs, states, served = {}, {}, {}

    def run(step, playbook, *extra, check=False):
        before = requests_served(emulator)
        runs[step] = ansible.playbook(playbook, extra_vars=[lz, WITH_SCHEDULER, *extra], check=check, diff=check)
        served[step] = requests_served(emulator) - before
        states[step] = counts(ansible)

    run("converge", "site.yml")
    assert runs["converge"].rc == 0, runs["converge"]
    run("start", SCALE, {"scale_action": "start"})
    # The refusals in one run: each is a deployment (a host) of its own with the dev inventory's values, refused alone
    # as the one deployment of a user's inventory would be (test_input_validation.py checks bad inputs so).
    refusals = {"refuse_action": {"scale_action": "pause"},
                "refuse_prd": {"scale_action": "stop", "environment_name": "prd"},
                "refuse_other_confirm": {"scale_action": "stop", "confirm_stop": "qa"}}
    hosts = {step: f"refused-{index}" for index, step in enumerate(refusals)}
    with open(os.path.join(ROOT, "inventories", "dev", "group_vars", "deployments.yml"), encoding="utf-8") as handle:
        dev = yaml.safe_load(handle)
    inventory = write_inventory(tmp_path_factory.mktemp("refusals"),
                                hosts={hosts[step]: dict(dev, **case) for step, case in refusals.items()})
    before = requests_served(emulator)
    refused = ansible.playbook(SCALE, inventory, extra_vars=[lz, WITH_SCHEDULER])
    refused_served = requests_served(emulator) - before   # what the whole run served, every host's
    assert set(refused.stats) == set(hosts.values()), refused   # every refusal's deployment ran
    refused_state = counts(ansible)
    for step, host in hosts.items():
        runs[step], served[step], states[step] = HostRun(refused, host), refused_served, refused_state
    run("stop_check", SCALE, {"scale_action": "stop"}, check=True)
    run("stop", SCALE, {"scale_action": "stop"})
    run("stop_again", SCALE, {"scale_action": "stop"})
    run("plan_stopped", "playbooks/plan.yml", {"plan_file": str(plans / "stopped.json")})
    run("converge_stopped", "site.yml")
    run("start_again", SCALE, {"scale_action": "start"})
    return {"runs": runs, "states": states, "served": served}


def test_the_converge_sets_the_limits_and_runs_the_scheduler(scenario):
    # service_desired_count 0 at creation; on AWS autoscaling would then raise it to the minimum.
    assert scenario["states"]["converge"] == {"app": 0, "scheduler": 1, "min": 1, "max": 2}


def test_start_runs_one_application_task_and_keeps_the_inventory_limits(scenario):
    run = scenario["runs"]["start"]
    assert run.rc == 0, run
    assert scenario["states"]["start"] == {"app": 1, "scheduler": 1, "min": 1, "max": 2}
    assert run.changed_tasks() == [APP_TASK]


@pytest.mark.parametrize("step, message", [
    ("refuse_action", "scale_action 'pause' is not valid: pass -e scale_action=stop or -e scale_action=start."),
    ("refuse_prd", "environment_name is prd, a production environment: pass -e confirm_stop=prd to stop it"
                   " (confirm_stop is not set)."),
    ("refuse_other_confirm", "confirm_stop 'qa' does not match environment_name 'dev': pass -e confirm_stop=dev"
                             " to stop this environment."),
])
def test_a_refused_scale_names_the_reason_and_makes_no_aws_call(scenario, step, message):
    run = scenario["runs"][step]
    assert run.rc == 2, run
    assert message in run.failure()
    assert [name for name, _ in run.results()][-1] == REFUSAL
    assert scenario["served"][step] == 0
    assert scenario["states"][step] == scenario["states"]["start"]


def test_stop_in_check_mode_reports_the_changes_and_makes_none(scenario):
    run = scenario["runs"]["stop_check"]
    assert run.rc == 0, run
    assert sorted(run.changed_tasks()) == sorted([MIN_TASK, APP_TASK, SCHEDULER_TASK])
    assert scenario["states"]["stop_check"] == scenario["states"]["start"]


def test_stop_sets_both_services_and_the_minimum_to_0_and_keeps_the_maximum(scenario):
    run = scenario["runs"]["stop"]
    assert run.rc == 0, run
    assert scenario["states"]["stop"] == {"app": 0, "scheduler": 0, "min": 0, "max": 2}
    assert run.result("Show the services' task counts, and what the next converge does")["msg"][0] == (
        f"Stopped {APP} in us-east-1:")


def test_the_same_stop_again_changes_nothing(scenario):
    run = scenario["runs"]["stop_again"]
    assert run.rc == 0, run
    assert run.host_stats()["changed"] == 0, run.changed_tasks()


def test_the_plan_of_a_stopped_environment_shows_the_minimum_and_the_scheduler_coming_back(scenario):
    run = scenario["runs"]["plan_stopped"]
    assert run.rc == 0, run
    lines = run.result("Show the plan")["msg"]
    assert lines[:5] == [
        f"Plan for {APP} in us-east-1: 2 changes (0 to create, 2 to change, 0 to remove)",
        "compute:",
        f"  ~ change ecs_service_scaling {APP} (scalable_target.min_capacity 0 -> 1) - {MIN_TASK}",
        "scheduler:",
        lines[4],
    ]
    assert lines[4].startswith(f"  ~ change ecs_service {SCHEDULER} (desired_count 0 -> 1) - ")


def test_a_converge_of_a_stopped_environment_puts_the_minimum_back_and_restarts_the_scheduler(scenario):
    run = scenario["runs"]["converge_stopped"]
    assert run.rc == 0, run
    # On AWS, Application Auto Scaling then raises the application's count to the minimum (the emulator does not).
    assert scenario["states"]["converge_stopped"] == {"app": 0, "scheduler": 1, "min": 1, "max": 2}


def test_start_after_a_stop_runs_the_application_again(scenario):
    run = scenario["runs"]["start_again"]
    assert run.rc == 0, run
    assert scenario["states"]["start_again"] == {"app": 1, "scheduler": 1, "min": 1, "max": 2}
