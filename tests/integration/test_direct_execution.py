"""Direct execution (plugins/plugin_utils/direct_execution.py) against the module path, on the dev site.

One scenario: the dev site with every feature on is converged from nothing, converged again and run with
``--check --diff`` twice, once through the module path (``NESTJS_INFRA_DIRECT_EXECUTION=false``: every
module in a process of its own) and once with direct execution (the default), each on an endpoint of its
own holding the same landing zone. The two must report the same thing, task by task. Ad-hoc runs at
``-vvvv`` show which path each one took.
"""

import json
import sys

import pytest

from conftest import SNAPSHOT_SERVER
from conftest import Ansible
from conftest import landing_zone
from emulator import Emulator

pytestmark = pytest.mark.integration

EVERY_FEATURE = {
    "database_read_replica": True, "schedule_task_cleanup_cron": "0 2 * * *", "xray_enabled": True,
    "vpc_flow_logs_enabled": True, "monitoring_enabled": True,
}
STEPS = (("converge", False), ("rerun", False), ("check", True))
MODULE_PATH = {"NESTJS_INFRA_DIRECT_EXECUTION": "false"}


def status(result):
    for word in ("failed", "skipped", "changed"):
        if result.get(word):
            return word
    return "ok"


def report(run):
    """(task, status, the keys of its result) for every task, in order: what the two paths must share."""
    return [(name, status(result), sorted(key for key in result if not key.startswith("_"))) for name, result in run.results()]


def converge_check(ansible, lz, env):
    runs = {}
    for step, check in STEPS:
        runs[step] = ansible.playbook("site.yml", extra_vars=[lz, EVERY_FEATURE], check=check, diff=check, env=env)
        assert runs[step].rc == 0, f"{step}: {runs[step]!r}"
    return runs


@pytest.fixture(scope="module")
def scenario(ansible, tmp_path_factory):
    lz = landing_zone(ansible, tmp_path_factory.mktemp("landing-zone"))
    runs = {"module path": converge_check(ansible, lz, MODULE_PATH)}
    with Emulator(log_path=str(tmp_path_factory.mktemp("moto") / "moto.log"), command=[sys.executable, SNAPSHOT_SERVER]) as other:
        direct = Ansible(other, tmp_path_factory.mktemp("outputs"))
        assert landing_zone(direct, tmp_path_factory.mktemp("landing-zone")) == lz   # the same ids: restored, not rebuilt
        runs["direct"] = converge_check(direct, lz, {})
    return runs


@pytest.mark.parametrize("step", [step for step, _ in STEPS])
def test_both_paths_report_the_same_tasks_with_the_same_outcome(scenario, step):
    module_path, direct = report(scenario["module path"][step]), report(scenario["direct"][step])
    assert [entry[:2] for entry in direct] == [entry[:2] for entry in module_path]
    assert direct == module_path   # and results of the same shape


def test_the_converge_changes_and_the_rerun_does_not_on_either_path(scenario):
    for path, runs in scenario.items():
        assert runs["converge"].host_stats()["changed"] > 30, path
        assert runs["rerun"].host_stats()["changed"] == 0, (path, runs["rerun"].changed_tasks())
        assert runs["check"].host_stats()["changed"] == 0, (path, runs["check"].changed_tasks())


def test_the_runs_compared_are_the_whole_site(scenario):
    names = [name for name, _, _ in report(scenario["direct"]["converge"])]
    assert len(names) > 60
    assert "Ensure the encrypted Aurora Serverless v2 PostgreSQL cluster" in names
    assert "Ensure the Fargate service runs in the private subnets behind the target group" in names


def adhoc(ansible, env=None, extra=()):
    """One of our modules, ad hoc, at -vvvv: its output says which path it took."""
    cmd = [f"{sys.prefix}/bin/ansible", "localhost", "-m", "nestjs_playground.infra.log_group", "-vvvv",
           "-a", json.dumps({"name": "/direct-execution/proof", "retention": 7}),
           "-e", json.dumps({"ansible_python_interpreter": sys.executable}), *extra]
    return ansible._run(cmd, ansible.env(ANSIBLE_STDOUT_CALLBACK="default", **(env or {})))


def test_a_task_runs_in_the_worker_by_default(ansible):
    run = adhoc(ansible)
    assert run.rc == 0, run
    assert "direct execution: running ansible_collections.nestjs_playground.infra.plugins.modules.log_group in the worker" in run.stdout
    assert "AnsiballZ_log_group" not in run.stdout


@pytest.mark.parametrize("env, extra", [
    (MODULE_PATH, ()),
    ({}, ("-e", json.dumps({"nestjs_infra_direct_execution": False}))),
], ids=["environment", "variable"])
def test_the_switch_sends_a_task_through_the_module_path(ansible, env, extra):
    run = adhoc(ansible, env, extra)
    assert run.rc == 0, run
    assert "takes the module path: switched off" in run.stdout
    assert "AnsiballZ_log_group" in run.stdout   # the module process of the ordinary path


def test_an_async_task_takes_the_module_path(ansible):
    run = adhoc(ansible, extra=("-B", "60", "-P", "1"))
    assert run.rc == 0, run
    assert "takes the module path: async tasks run as module processes" in run.stdout
