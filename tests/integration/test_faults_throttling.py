"""A full converge while AWS throttles: the dev inventory (with the scheduler) on a fresh account, one
AWS call in five refused with the service's real throttling answer (seeded, so every run refuses the
same calls). It succeeds, and ends where a clean converge ends: a rerun without faults changes nothing,
writes nothing, and finds exactly one of each resource.

Two things make it pass: our modules retry every throttling code with jittered backoff (on top of
botocore's own attempts), and site.yml gives every AWS module, ours and the collections', 10 attempts
per call (``aws_max_attempts``; README: Throttling).
"""

import pytest

from conftest import dev_resources
from conftest import landing_zone
from conftest import resource_counts

pytestmark = pytest.mark.integration

FAULT_RATE = 0.2
SEED = 20


@pytest.fixture(scope="module")
def throttled(ansible, ansible_recorded, recorded, tmp_path_factory):
    lz = landing_zone(ansible, tmp_path_factory.mktemp("landing-zone"))
    inputs = [lz, {"schedule_task_cleanup_cron": "0 2 * * *"}]
    recorded.set_fault_rate(FAULT_RATE, seed=SEED)
    mark = recorded.mark()
    converge = ansible_recorded.playbook("site.yml", extra_vars=inputs)
    converge_calls = recorded.calls(mark)
    recorded.set_fault_rate(0)
    mark = recorded.mark()
    rerun = ansible_recorded.playbook("site.yml", extra_vars=inputs)
    return {"converge": converge, "converge_calls": converge_calls, "rerun": rerun,
            "rerun_writes": recorded.mutating_calls(mark), "counts": resource_counts(ansible)}


def test_a_fifth_of_the_calls_of_every_service_were_refused(throttled):
    calls = throttled["converge_calls"]
    refused = [call for call in calls if call.faulted]
    assert 0.1 < len(refused) / len(calls) < 0.3
    assert {c.service for c in refused} >= {"ec2", "rds", "secretsmanager", "ecs", "elasticloadbalancing", "iam"}
    assert any(c.mutating for c in refused)   # writes were refused too, not only reads


def test_the_converge_succeeds_despite_the_throttling(throttled):
    run = throttled["converge"]
    assert run.rc == 0, run
    assert run.host_stats()["failures"] == 0
    assert run.host_stats()["changed"] > 0


def test_a_rerun_without_faults_changes_nothing_and_writes_nothing(throttled):
    run = throttled["rerun"]
    assert run.rc == 0, run
    assert run.host_stats()["changed"] == 0, run.changed_tasks()
    assert throttled["rerun_writes"] == []


def test_the_throttled_converge_built_exactly_one_of_each_resource(throttled):
    assert throttled["counts"] == dev_resources(scheduler=True)
