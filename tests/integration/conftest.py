"""Fixtures for tests against the local AWS endpoint.

Every scenario gets its own moto server (0.4 s to start), so scenarios run in parallel under
``pytest -n 2`` without seeing each other's resources. A scenario converges once, in a module-scoped
fixture, and the tests of that module read what the runs returned (``--dist loadfile`` keeps a
module's tests on one worker, so that converge happens once).
"""

import json
import os
import re
import subprocess
import sys

import boto3
import pytest
import yaml

from emulator import Emulator

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
DEV_HOST = "nestjs-playground-dev"
# site.yml's last task: it changes whenever an output comes, goes or changes (the reader's, the scheduler's...).
OUTPUTS_TASK = "Write the outputs file, keyed by the CDK app's export names"


class Run:
    """One ansible-playbook (or ad-hoc module) run, with its JSON callback output."""

    def __init__(self, args, proc):
        self.args = args
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        try:
            self.data = json.loads(proc.stdout[proc.stdout.index("{"):])
        except ValueError:
            self.data = {}

    def __repr__(self):
        return f"<Run rc={self.rc} {' '.join(self.args[:3])}...>\n{self.stdout[-3000:]}\n{self.stderr[-3000:]}"

    @property
    def stats(self):
        return self.data.get("stats", {})

    def host_stats(self, host=DEV_HOST):
        return self.stats[host]

    def results(self, host=DEV_HOST):
        """(task name without its role prefix, result) for every task that ran on ``host``, in order."""
        for play in self.data.get("plays", []):
            for task in play["tasks"]:
                if host in task["hosts"]:
                    yield task["task"]["name"].rpartition(" : ")[2], task["hosts"][host]

    def changed_tasks(self, host=DEV_HOST):
        return [name for name, result in self.results(host) if result.get("changed")]

    def failure(self, host=DEV_HOST):
        """The message of the task that failed on ``host``."""
        failed = [result for _, result in self.results(host) if result.get("failed")]
        assert failed, f"expected a failed task\n{self!r}"
        return failed[-1].get("msg", "")

    def result(self, name, host=DEV_HOST):
        matches = [result for task, result in self.results(host) if task == name]
        assert matches, f"no task named {name!r} ran\n{self!r}"
        return matches[-1]


class Ansible:
    """Runs playbooks and modules from this checkout against one emulator.

    site.yml writes its outputs file into ``outputs_dir`` (one per scenario, so that scenarios running
    in parallel never share one), unless a run passes ``outputs_file`` itself.
    """

    def __init__(self, emulator, outputs_dir=None):
        self.emulator = emulator
        self.outputs_dir = str(outputs_dir) if outputs_dir else None

    def outputs(self, deployment="nestjs-playground-dev"):
        """The outputs file site.yml wrote for ``deployment``."""
        with open(os.path.join(self.outputs_dir, f"{deployment}.json"), encoding="utf-8") as handle:
            return json.load(handle)

    def env(self, **extra):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ANSIBLE_", "MOLECULE_", "CDK_"))}
        env.update(self.emulator.env())
        env.update(
            PATH=BIN + os.pathsep + env.get("PATH", ""),
            ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"),
            ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
            ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_DEPRECATION_WARNINGS="0",
        )
        env.update(extra)
        return {name: value for name, value in env.items() if value is not None}  # None: unset it

    def _run(self, args, env):
        proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        return Run(args, proc)

    def playbook(self, playbook, inventory="inventories/dev", extra_vars=(), check=False, diff=False, args=(), env=None,
                 env_file=None):
        """ansible-playbook; with ``env_file``, run the way the README tells a CDK user to:
        ``set -a; . ./.env; set +a; ansible-playbook ...``."""
        cmd = [os.path.join(BIN, "ansible-playbook"), playbook, "-i", str(inventory)]
        if env_file:
            cmd = ["bash", "-c", 'set -a; . "$0"; set +a; exec "$@"', str(env_file)] + cmd
        if self.outputs_dir:
            cmd += ["-e", json.dumps({"outputs_file": self.outputs_dir + "/{{ deployment_name }}.json"})]
        for item in extra_vars:
            cmd += ["-e", item if isinstance(item, str) else json.dumps(item)]
        if check:
            cmd.append("--check")
        if diff:
            cmd.append("--diff")
        return self._run(cmd + list(args), self.env(**(env or {})))

    def module(self, name, module_args, check=False, diff=False):
        """One module, ad hoc, on localhost; returns the module's result dict (and the Run)."""
        cmd = [
            os.path.join(BIN, "ansible"), "localhost", "-m", name, "-a", json.dumps(module_args),
            "-e", json.dumps({"ansible_python_interpreter": sys.executable}),
        ]
        if check:
            cmd.append("--check")
        if diff:
            cmd.append("--diff")
        run = self._run(cmd, self.env())
        return run.result(name, host="localhost") if run.data else {"failed": True, "msg": run.stderr}

    def client(self, service, region=None):
        """A boto3 client of the emulator, in its region or in ``region`` (it keeps each region's resources apart)."""
        return boto3.client(
            service,
            endpoint_url=self.emulator.url,
            region_name=region or self.emulator.region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


def landing_zone(ansible, directory, inventory="inventories/dev", host=DEV_HOST):
    """Builds the landing zone with the project's playbook; returns the vars it wrote for site.yml."""
    run = ansible.playbook("playbooks/landing_zone.yml", inventory, extra_vars=[{"landing_zone_dir": str(directory)}])
    assert run.rc == 0, run
    with open(os.path.join(directory, f"landing-zone-{host}.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def vpc_with_subnets(ec2, octet, zones="ab"):
    """A VPC 10.<octet>.0.0/16 with one /24 subnet per availability zone letter; returns (vpc id, subnet ids)."""
    vpc = ec2.create_vpc(CidrBlock=f"10.{octet}.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{octet}.{i}.0/24", AvailabilityZone=f"us-east-1{zone}")["Subnet"]["SubnetId"]
        for i, zone in enumerate(zones, start=1)
    ]
    return vpc, subnets


def requirement_pins(path=os.path.join(ROOT, "requirements.txt")):
    """``{name: version}`` of every ``name==version`` line of a pip requirements file (extras dropped)."""
    pins = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            match = re.match(r"\s*([A-Za-z0-9_.-]+)(\[[^]]*\])?==([^\s#;]+)", line)
            if match:
                pins[match.group(1).lower()] = match.group(3)
    return pins


def write_inventory(directory, host_vars=None, host=DEV_HOST, hosts=None):
    """An inventory of one deployment whose variables are exactly ``host_vars`` (plus connection), or of
    several: ``hosts`` maps each host to its variables."""
    os.makedirs(directory, exist_ok=True)
    inventory = {
        "deployments": {
            "hosts": {name: dict(variables) for name, variables in (hosts or {host: host_vars}).items()},
            "vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable},
        }
    }
    path = os.path.join(directory, "hosts.yml")
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(inventory, handle)
    return path


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with Emulator(log_path=str(log)) as running:
        yield running


@pytest.fixture(scope="module")
def ansible(emulator, tmp_path_factory):
    return Ansible(emulator, tmp_path_factory.mktemp("outputs"))
