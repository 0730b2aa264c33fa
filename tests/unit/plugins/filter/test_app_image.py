"""The first-deploy decision (plugins/filter/app_image.py): which services would start tasks without their image,
whether the run stops before the services change, and the sentence that says what to do."""

import pytest

from ansible_collections.nestjs_playground.infra.plugins.filter.app_image import app_image_report

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/nestjs-playground:latest"
REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
MISSING_IN_NEW_REPOSITORY = {"missing_tags": ["latest"], "images": [], "recent_tags": [], "repository_exists": False}
PUSH = (f"Push the image first: docker push {IMAGE} (after aws ecr get-login-password | docker login --username AWS "
        f"--password-stdin {REGISTRY}), then run site.yml again")


def report(found, **overrides):
    params = dict(image=IMAGE, app_version="latest", repository="nestjs-playground", service_name="app-dev",
                  scheduler_name="app-scheduler-dev")
    params.update(overrides)
    return app_image_report(found, **params)


def test_a_pushed_image_starves_nothing_and_names_its_digest():
    found = {"missing_tags": [], "images": [{"digest": "sha256:abc", "tags": ["latest"]}], "recent_tags": ["latest"],
             "repository_exists": True}
    assert report(found, service_desired_count=2, service_wait=True, scheduler_enabled=True, scheduler_wait=True) == {
        "image": IMAGE, "pushed": True, "digest": "sha256:abc", "starved": [], "stops_run": False, "problem": None}


def test_a_new_service_with_tasks_and_no_wait_goes_on_and_says_what_to_do():
    result = report(MISSING_IN_NEW_REPOSITORY, service_desired_count=1)
    assert result["pushed"] is False and result["digest"] is None and result["stops_run"] is False
    assert result["starved"] == [{"role": "application", "service": "app-dev", "tasks": 1, "waits": False,
                                  "what": "the service app-dev would run 1 task (service_desired_count)"}]
    assert result["problem"] == (
        "app_version 'latest' is not in the ECR repository nestjs-playground (it is created by this run), and the service "
        "app-dev would run 1 task (service_desired_count): ECS stops every task it starts without the image "
        "(CannotPullContainerError). site.yml goes on without waiting, and the tasks will not start. "
        + PUSH + ", or create the service without tasks: -e service_desired_count=0.")


def test_an_existing_service_counts_the_tasks_it_runs_now_and_a_wait_stops_the_run():
    found = {"missing_tags": ["v2"], "images": [], "recent_tags": ["v1", "v0"], "repository_exists": True}
    result = report(found, app_version="v2", image=IMAGE.replace("latest", "v2"), current_service={"desired_count": 3},
                    service_desired_count=0, service_wait=True)
    assert result["stops_run"] is True
    assert result["starved"][0]["tasks"] == 3
    assert result["problem"].startswith(
        "app_version 'v2' is not in the ECR repository nestjs-playground (v1, v0 are the latest it holds), and the "
        "service app-dev would run 3 tasks (its desired count now): ")
    assert "site.yml stops before changing the services, as it would wait for them (service_wait true). " in result["problem"]
    assert result["problem"].endswith(", or stop the service first: playbooks/scale.yml -e scale_action=stop.")


def test_the_scheduler_alone_starves_when_the_service_runs_no_task():
    found = dict(MISSING_IN_NEW_REPOSITORY, repository_exists=True)
    result = report(found, service_desired_count=0, scheduler_enabled=True, scheduler_wait=True)
    assert [entry["role"] for entry in result["starved"]] == ["scheduler"]
    assert result["stops_run"] is True
    assert "(it holds no tagged image), and the scheduler app-scheduler-dev 1 task: " in result["problem"]
    assert "(scheduler_wait true)" in result["problem"]
    assert result["problem"].endswith("then run site.yml again, or stop the scheduler: unset schedule_task_cleanup_cron.")


@pytest.mark.parametrize(("converging", "starved"), [
    (["compute", "scheduler"], ["application", "scheduler"]),
    (["scheduler"], ["scheduler"]),
    (["compute"], ["application"]),
    (["ecr"], []),
])
def test_only_the_tiers_this_run_converges_start_tasks(converging, starved):
    result = report(MISSING_IN_NEW_REPOSITORY, service_desired_count=1, service_wait=True, scheduler_enabled=True,
                    converging=converging)
    assert [entry["role"] for entry in result["starved"]] == starved
    assert result["stops_run"] is ("application" in starved)
    assert (result["problem"] is None) is (not starved)


def test_both_waits_are_named_when_both_services_starve():
    result = report(MISSING_IN_NEW_REPOSITORY, service_desired_count=2, service_wait=True, scheduler_enabled=True,
                    scheduler_wait=True)
    assert "as it would wait for them (service_wait, scheduler_wait true). " in result["problem"]
    assert "the service app-dev would run 2 tasks (service_desired_count) and the scheduler app-scheduler-dev 1 task: " in result["problem"]
