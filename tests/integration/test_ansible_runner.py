"""site.yml as an AWX job template runs it: through ansible-runner, from a private data directory laid
out the way AWX lays it out, against a fresh local AWS endpoint.

AWX copies the project (this repository) to ``project/``, writes the inventory it imported from the
project (``ansible-inventory --list --export -i inventories/dev``) as an executable ``inventory/hosts``
script, the job template's extra variables to ``env/extravars`` and the environment to
``env/envvars``: the AWS credential's variables (dummy keys for the emulator, and AWS_ENDPOINT_URL)
and ANSIBLE_COLLECTIONS_PATH as AWX computes it from the project's ansible.cfg. Then it runs
``ansible-runner`` on the directory and reads ``artifacts/<job id>/``. The landing zone exists
beforehand, as the real account's network does.
"""

import configparser
import glob
import json
import os
import re
import subprocess

import pytest
import yaml

from conftest import BIN, DEV_HOST, ROOT, landing_zone
from run_ansible_test import copy_files, tracked_files

pytestmark = pytest.mark.integration

JOB_ID = "42"
SUMMARY_TASK = "Show what the environment is made of"


def awx_collections_path(pdd):
    """ANSIBLE_COLLECTIONS_PATH as AWX sets it for a job (awx/main/tasks/jobs.py, RunJob.build_env): the
    collections it installed from the project's collections/requirements.yml, then the project's
    ansible.cfg ``collections_path``, then Ansible's defaults. (AWX's /runner is the private data dir.)"""
    config = configparser.ConfigParser()
    config.read(os.path.join(pdd, "project", "ansible.cfg"))
    paths = ["~/.ansible/collections", "/usr/share/ansible/collections"]
    configured = config.get("defaults", "collections_path", fallback=None)
    if configured and any(path not in paths for path in configured.split(":")):
        paths = [configured] + paths
    return ":".join([os.path.join(pdd, "requirements_collections")] + paths)


def inventory_script(inventory):
    """The executable inventory AWX writes for a job: a script printing the imported inventory."""
    proc = subprocess.run(
        [os.path.join(BIN, "ansible-inventory"), "--list", "--export", "-i", inventory],
        cwd=ROOT, env={"PATH": BIN + os.pathsep + os.environ["PATH"], "ANSIBLE_CONFIG": os.path.join(ROOT, "ansible.cfg"),
                       "HOME": os.environ.get("HOME", "/root")},
        capture_output=True, text=True, timeout=120, check=True,
    )
    data = json.loads(proc.stdout)
    return "#! /usr/bin/env python3\n# -*- coding: utf-8 -*-\nprint(%r)\n" % json.dumps(data), data


def write(path, content, mode=0o600):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(content)
    os.chmod(path, mode)


@pytest.fixture(scope="module")
def job(ansible, emulator, tmp_path_factory):
    lz = landing_zone(ansible, tmp_path_factory.mktemp("landing-zone"))
    pdd = str(tmp_path_factory.mktemp("awx_job"))
    copy_files(tracked_files(skip=()), os.path.join(pdd, "project"))
    script, inventory = inventory_script("inventories/dev")
    write(os.path.join(pdd, "inventory", "hosts"), script, 0o700)
    extravars = dict(lz, awx_job_id=int(JOB_ID), awx_job_template_name="nestjs-playground dev: site",
                     awx_job_launch_type="manual", awx_project_revision="0" * 40, tower_job_id=int(JOB_ID))
    write(os.path.join(pdd, "env", "extravars"), yaml.safe_dump(extravars))
    envvars = dict(emulator.env(), ANSIBLE_COLLECTIONS_PATH=awx_collections_path(pdd),
                   ANSIBLE_RETRY_FILES_ENABLED="False", JOB_ID=JOB_ID)
    write(os.path.join(pdd, "env", "envvars"), yaml.safe_dump(envvars))
    write(os.path.join(pdd, "env", "settings"), yaml.safe_dump({"job_timeout": 900, "suppress_ansible_output": True}))

    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ANSIBLE_", "MOLECULE_"))}
    env["PATH"] = BIN + os.pathsep + env.get("PATH", "")
    proc = subprocess.run(
        [os.path.join(BIN, "ansible-runner"), "run", pdd, "--playbook", "site.yml", "--ident", JOB_ID],
        env=env, capture_output=True, text=True, timeout=1200, check=False,
    )
    artifacts = os.path.join(pdd, "artifacts", JOB_ID)
    events = []
    for path in glob.glob(os.path.join(artifacts, "job_events", "*.json")):
        with open(path, encoding="utf-8") as handle:
            events.append(json.load(handle))
    events.sort(key=lambda event: event["counter"])
    return {"proc": proc, "pdd": pdd, "artifacts": artifacts, "events": events, "inventory": inventory, "lz": lz}


def artifact(job, name):
    with open(os.path.join(job["artifacts"], name), encoding="utf-8") as handle:
        return handle.read()


def events_of(job, kind):
    return [event for event in job["events"] if event["event"] == kind]


def stats(job):
    (event,) = events_of(job, "playbook_on_stats")
    return event["event_data"]


def test_the_job_runs_on_the_inventory_awx_exported_from_the_project(job):
    # The layout is the fixture's own (it used to be asserted here); what could fail is the job running on
    # other hosts than the exported inventory's, or the project's inventory not exporting the dev deployment.
    hosts = {event["event_data"]["host"] for event in events_of(job, "runner_on_ok")}
    assert hosts == set(job["inventory"]["deployments"]["hosts"]) == {DEV_HOST}
    assert job["inventory"]["deployments"]["vars"]["environment_name"] == "dev"


def test_the_job_succeeds(job):
    assert job["proc"].returncode == 0, job["proc"].stdout[-3000:] + job["proc"].stderr[-3000:]
    assert artifact(job, "status") == "successful"
    assert artifact(job, "rc") == "0"


def test_the_job_ran_the_projects_site_playbook_with_the_awx_inventory(job):
    command = json.loads(artifact(job, "command"))
    assert command["cwd"] == os.path.join(job["pdd"], "project")
    assert "site.yml" in command["command"]
    assert os.path.join(job["pdd"], "inventory") in command["command"]
    (start,) = events_of(job, "playbook_on_start")
    assert start["event_data"]["playbook"] == "site.yml"


def test_the_per_host_stats_count_every_change_and_no_failure(job):
    data = stats(job)
    changed_tasks = [e for e in events_of(job, "runner_on_ok") if e["event_data"]["host"] == DEV_HOST and e["event_data"]["res"].get("changed")]
    assert data["changed"][DEV_HOST] == len(changed_tasks) > 0
    assert data["ok"][DEV_HOST] >= data["changed"][DEV_HOST]
    assert data["failures"] == {} and data["dark"] == {}


def test_the_job_events_show_the_resources_the_emulator_now_holds(job, ansible):
    (summary,) = [e for e in events_of(job, "runner_on_ok") if e["event_data"]["task"] == SUMMARY_TASK]
    text = "\n".join(summary["event_data"]["res"]["msg"])
    (repo,) = ansible.client("ecr").describe_repositories()["repositories"]
    (alb,) = ansible.client("elbv2").describe_load_balancers()["LoadBalancers"]
    (cluster,) = ansible.client("rds").describe_db_clusters()["DBClusters"]
    for value in (repo["repositoryUri"], alb["DNSName"], cluster["Endpoint"], job["lz"]["vpc_id"]):
        assert value in text
    changed = {e["event_data"]["task"].rpartition(" : ")[2] for e in events_of(job, "runner_on_ok") if e["event_data"]["res"].get("changed")}
    assert "Ensure the ECR repository scans on push, keeps its tags mutable and expires untagged images" in changed


def test_the_stdout_artifact_carries_the_play_recap(job):
    stdout = re.sub(r"\x1b\[[0-9;]*m", "", artifact(job, "stdout"))   # AWX keeps the colours; the recap is read without
    assert "PLAY RECAP" in stdout
    recap = [line for line in stdout.splitlines() if line.startswith(DEV_HOST)]
    assert recap and "failed=0" in recap[-1] and f"changed={stats(job)['changed'][DEV_HOST]}" in recap[-1]


def test_no_artifact_holds_the_database_password(job, ansible):
    sm = ansible.client("secretsmanager")
    passwords = [json.loads(sm.get_secret_value(SecretId=s["ARN"])["SecretString"]).get("password") for s in sm.list_secrets()["SecretList"]]
    passwords = [p for p in passwords if p]
    assert passwords
    for path in glob.glob(os.path.join(job["artifacts"], "**", "*"), recursive=True):
        if os.path.isfile(path):
            with open(path, encoding="utf-8", errors="replace") as handle:
                content = handle.read()
            assert not [p for p in passwords if p in content], path
