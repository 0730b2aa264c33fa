"""Fixtures for tests against the local AWS endpoint.

Every scenario gets its own moto server (0.4 s to start), so scenarios run in parallel under
``pytest -n 2`` without seeing each other's resources. A scenario converges once, in a module-scoped
fixture, and the tests of that module read what the runs returned (tests/scheduling.py keeps a
module's tests on one worker, so that converge happens once).
"""

import fcntl
import hashlib
import json
import os
import re
import signal
import stat
import subprocess
import sys
import tempfile
import time
import types
import urllib.error
import urllib.request

import boto3
import pytest
import yaml

from aws_proxy import AwsProxy
from emulator import Emulator

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
DEV_HOST = "nestjs-playground-dev"
# moto's server with routes that save and restore its state (landing_zone below).
SNAPSHOT_SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "snapshot_server.py")
# site.yml's last task: it changes whenever an output comes, goes or changes (the reader's, the scheduler's...).
# With this variable set to a file, every playbook and ad hoc run a test makes appends a JSON line to it: the
# test, the command, its seconds and exit code.
RUN_LOG = "NESTJS_INFRA_TEST_RUN_LOG"
OUTPUTS_TASK = "Write the outputs file, keyed by the CDK app's export names"


class Run:
    """One ansible-playbook (or ad-hoc module) run, with its JSON callback output."""

    def __init__(self, args, proc):
        self.args = args
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        try:
            self._data, self._parse_error = json.loads(proc.stdout[proc.stdout.index("{"):]), None
        except ValueError as error:   # no JSON report: a test that reads one fails, it never reads "nothing ran"
            self._data, self._parse_error = None, error

    @property
    def data(self):
        """The JSON callback's report of the run; reading it fails the test when the run printed none."""
        if self._data is None:
            raise AssertionError(f"the run printed no JSON report ({self._parse_error})\n{self!r}")
        return self._data

    @property
    def reported(self):
        """Whether the run printed its JSON report."""
        return self._data is not None

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


class HostRun:
    """What one host of a run over several hosts did: that run, read for that host (``rc`` is the run's)."""

    def __init__(self, run, host):
        self.run, self.host, self.rc = run, host, run.rc

    def failure(self):
        return self.run.failure(self.host)

    def results(self):
        return self.run.results(self.host)

    def __repr__(self):
        return f"{self.host}: {self.run!r}"


def descendants(pid):
    """The process ids of every descendant of ``pid`` (Linux: read from /proc)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8") as handle:
                    parent = int(handle.read().rpartition(")")[2].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class Spawned:
    """A playbook running in the background: ``kill()`` ends it and every process under it, ``wait()`` gives its Run."""

    def __init__(self, args, popen):
        self.args = args
        self.popen = popen

    def kill(self, *_):
        """SIGKILL to the playbook and every process under it, as when the machine running it dies.

        ansible-core's workers each start their own session (os.setsid), so the playbook's process group
        does not hold them nor the module they run: the whole tree is frozen first (SIGSTOP, so nothing
        forks or sends another request meanwhile), then killed.
        """
        tree = [self.popen.pid]
        for _ in range(2):   # again, for a process forked while the first pass ran
            tree += [pid for pid in descendants(self.popen.pid) if pid not in tree]
            for pid in tree:
                try:
                    os.kill(pid, signal.SIGSTOP)
                except ProcessLookupError:
                    pass
        for pid in tree:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def wait(self, timeout=600):
        stdout, stderr = self.popen.communicate(timeout=timeout)
        return Run(self.args, types.SimpleNamespace(returncode=self.popen.returncode, stdout=stdout, stderr=stderr))


class Ansible:
    """Runs playbooks and modules from this checkout against one emulator.

    site.yml writes its outputs file into ``outputs_dir`` (one per scenario, so that scenarios running
    in parallel never share one), unless a run passes ``outputs_file`` itself. With ``endpoint`` (an
    ``AwsProxy``), playbooks and modules talk to AWS through it; ``client()`` always talks to the
    emulator directly, so what a test reads is never recorded or refused.
    """

    def __init__(self, emulator, outputs_dir=None, endpoint=None):
        self.emulator = emulator
        self.outputs_dir = str(outputs_dir) if outputs_dir else None
        self.endpoint = endpoint or emulator

    def outputs(self, deployment="nestjs-playground-dev"):
        """The outputs file site.yml wrote for ``deployment``."""
        with open(os.path.join(self.outputs_dir, f"{deployment}.json"), encoding="utf-8") as handle:
            return json.load(handle)

    def env(self, **extra):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ANSIBLE_", "MOLECULE_", "CDK_"))}
        env.update(self.endpoint.env())
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
        started = time.monotonic()
        proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        if os.environ.get(RUN_LOG):   # where the suite's time goes: one JSON line per run (docs/performance.md)
            with open(os.environ[RUN_LOG], "a", encoding="utf-8") as handle:
                handle.write(json.dumps({"test": os.environ.get("PYTEST_CURRENT_TEST"), "args": args[:12],
                                         "seconds": round(time.monotonic() - started, 2), "rc": proc.returncode}) + "\n")
        return Run(args, proc)

    def _playbook_cmd(self, playbook, inventory, extra_vars, check, diff, args, env_file=None):
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
        return cmd + list(args)

    def playbook(self, playbook, inventory="inventories/dev", extra_vars=(), check=False, diff=False, args=(), env=None,
                 env_file=None):
        """ansible-playbook; with ``env_file``, run the way the README tells a CDK user to:
        ``set -a; . ./.env; set +a; ansible-playbook ...``."""
        cmd = self._playbook_cmd(playbook, inventory, extra_vars, check, diff, args, env_file)
        return self._run(cmd, self.env(**(env or {})))

    def spawn(self, playbook, inventory="inventories/dev", extra_vars=(), check=False, diff=False, args=(), env=None):
        """Starts ansible-playbook in its own process group and returns at once (see ``Spawned``)."""
        cmd = self._playbook_cmd(playbook, inventory, extra_vars, check, diff, args)
        return Spawned(cmd, subprocess.Popen(
            cmd, cwd=ROOT, env=self.env(**(env or {})), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, start_new_session=True,
        ))

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
        return run.result(name, host="localhost") if run.reported else {"failed": True, "msg": run.stderr}

    def client(self, service, region=None):
        """A boto3 client of the emulator, in its region or in ``region`` (it keeps each region's resources apart)."""
        return boto3.client(
            service,
            endpoint_url=self.emulator.url,
            region_name=region or self.emulator.region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


# The landing zones built in this run, shared by pytest-xdist's workers: one directory each under
# SNAPSHOTS["root"] (set for the session below), with the emulator's state the playbook left (state.pickle)
# and the files it wrote (files.json). The first worker to need one builds it (about 30 s of ansible-playbook)
# while holding the directory's lock; every other module, on any worker, restores it in well under a second.
# LANDING_ZONES: (inventory, host) -> that directory, for the ones this worker has built or restored.
SNAPSHOTS = {"root": None}
LANDING_ZONES = {}


@pytest.fixture(scope="session", autouse=True)
def snapshots_shared_by_the_workers(tmp_path_factory):
    """The directory every worker of this run keeps its landing zones in (pytest's base temporary directory,
    which pytest-xdist's workers each have a child of; pytest keeps the last three runs')."""
    base = tmp_path_factory.getbasetemp()
    SNAPSHOTS["root"] = str((base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "landing-zones")
    os.makedirs(SNAPSHOTS["root"], exist_ok=True)


def snapshot_request(emulator, route, body=None):
    """One of snapshot_server.py's routes; its answer as text (raises when it failed)."""
    request = urllib.request.Request(f"{emulator.url}/_snapshot/{route}", data=None if body is None else body.encode())
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.read().decode()
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"{route} {body or ''}: {error.read().decode()}") from error


def landing_zone(ansible, directory, inventory="inventories/dev", host=DEV_HOST):
    """The landing zone of ``inventory`` in ``ansible``'s emulator; returns the vars it wrote for site.yml.

    The first time in this run, and whenever the emulator already holds something, the project's playbook
    builds it. Otherwise the emulator gets the state that playbook left the first time (snapshot_server.py),
    and ``directory`` the files it wrote: the same resources, ids included, without the 30 s.
    """
    if snapshot_request(ansible.emulator, "pristine") != "true":
        build_landing_zone(ansible, directory, inventory)
    else:
        saved = os.path.join(SNAPSHOTS["root"] or tempfile.mkdtemp(prefix="landing-zones-"),
                             hashlib.sha256(repr((inventory, host)).encode()).hexdigest()[:16])
        os.makedirs(saved, exist_ok=True)
        with open(os.path.join(saved, "lock"), "w", encoding="utf-8") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)   # released when closed: another worker building it is waited for
            if os.path.exists(os.path.join(saved, "files.json")):
                restore_landing_zone(ansible, directory, saved)
            else:
                written = build_landing_zone(ansible, directory, inventory)
                snapshot_request(ansible.emulator, "save", os.path.join(saved, "state.pickle"))
                with open(os.path.join(saved, "files.json"), "w", encoding="utf-8") as handle:
                    json.dump({"files": files_with_modes(directory, written), "url": ansible.env()["AWS_ENDPOINT_URL"],
                               "directory_mode": stat.S_IMODE(os.stat(directory).st_mode)}, handle)
        LANDING_ZONES[(inventory, host)] = saved
    with open(os.path.join(directory, f"landing-zone-{host}.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def converged(ansible, directory, extra_vars=(), inventory="inventories/dev", host=DEV_HOST, args=()):
    """The landing zone, and site.yml converged on it (``--diff``) with ``extra_vars`` and ``args`` (``--tags``...): (the
    landing zone's vars, the converge's Run).

    For a module that reads or edits what a converge left, not one that tests the converge from nothing (test_site_dev,
    the check-mode prediction, the interruption and concurrency tests run it themselves). The first module of this run
    to ask for a converge (same inventory, host, extra vars and arguments) runs it and saves the emulator's state, the outputs
    file and the run's report beside the landing zones (as ``landing_zone`` does); every other module, on any worker,
    restores them: the same resources, ids, outputs file and report, without the converge (15-30 s each).
    """
    lz = landing_zone(ansible, directory, inventory, host)
    saved = os.path.join(SNAPSHOTS["root"] or tempfile.mkdtemp(prefix="landing-zones-"), "converged-" + hashlib.sha256(
        repr((inventory, host, json.dumps(list(extra_vars), sort_keys=True), list(args))).encode()).hexdigest()[:16])
    os.makedirs(saved, exist_ok=True)
    url = ansible.env()["AWS_ENDPOINT_URL"]
    with open(os.path.join(saved, "lock"), "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)   # another worker running this converge is waited for
        if os.path.exists(os.path.join(saved, "run.json")):
            with open(os.path.join(saved, "run.json"), encoding="utf-8") as handle:
                written = json.load(handle)
            snapshot_request(ansible.emulator, "restore", os.path.join(saved, "state.pickle"))
            write_with_modes(ansible.outputs_dir, written["outputs"], written["url"], url)
            return lz, Run(written["args"], types.SimpleNamespace(**written["run"]))
        before = set(os.listdir(ansible.outputs_dir))
        run = ansible.playbook("site.yml", inventory, extra_vars=[lz, *extra_vars], diff=True, args=args)
        assert run.rc == 0, run
        snapshot_request(ansible.emulator, "save", os.path.join(saved, "state.pickle"))
        outputs = files_with_modes(ansible.outputs_dir, sorted(set(os.listdir(ansible.outputs_dir)) - before))
        with open(os.path.join(saved, "run.json"), "w", encoding="utf-8") as handle:
            json.dump({"args": run.args, "run": {"returncode": run.rc, "stdout": run.stdout, "stderr": run.stderr},
                       "outputs": outputs, "url": url}, handle)
        return lz, run


def build_landing_zone(ansible, directory, inventory):
    """playbooks/landing_zone.yml into ``ansible``'s emulator and ``directory``; the names of the files it wrote."""
    before = set(os.listdir(directory)) if os.path.isdir(directory) else set()
    run = ansible.playbook("playbooks/landing_zone.yml", inventory, extra_vars=[{"landing_zone_dir": str(directory)}])
    assert run.rc == 0, run
    return sorted(set(os.listdir(directory)) - before)


def restore_landing_zone(ansible, directory, saved):
    """The emulator's state and the files saved in ``saved`` into ``ansible``'s emulator and ``directory``."""
    with open(os.path.join(saved, "files.json"), encoding="utf-8") as handle:
        written = json.load(handle)
    snapshot_request(ansible.emulator, "restore", os.path.join(saved, "state.pickle"))
    os.makedirs(directory, exist_ok=True)
    os.chmod(directory, written["directory_mode"])   # as the playbook leaves it (tmp_path's are 0700)
    write_with_modes(directory, written["files"], written["url"], ansible.env()["AWS_ENDPOINT_URL"])


def files_with_modes(directory, names):
    """{name: (text, file mode)} of the files ``names`` in ``directory``, as a saved landing zone or converge keeps them."""
    files = {}
    for name in names:
        with open(os.path.join(directory, name), encoding="utf-8") as handle:
            files[name] = (handle.read(), stat.S_IMODE(os.stat(handle.fileno()).st_mode))
    return files


def write_with_modes(directory, files, saved_url, url):
    """``files`` (files_with_modes) into ``directory``, with the endpoint they name (``saved_url``) now ``url``, and their
    modes: the certificate's private key is 0600 and the outputs file 0644, and anything else is a change to the next run."""
    for name, (text, mode) in files.items():
        path = os.path.join(directory, name)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text.replace(saved_url, url))
        os.chmod(path, mode)


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
    with Emulator(log_path=str(log), command=[sys.executable, SNAPSHOT_SERVER]) as running:
        yield running


@pytest.fixture(scope="module")
def ansible(emulator, tmp_path_factory):
    return Ansible(emulator, tmp_path_factory.mktemp("outputs"))


@pytest.fixture(scope="module")
def recorded(emulator):
    """A recording proxy in front of this module's emulator (``scripts/aws_proxy.py``).

    ``recorded.mark()`` then ``recorded.calls(mark)`` / ``recorded.mutating_calls(mark)`` give the AWS
    calls made since; ``recorded.set_fault_rate(rate, seed)`` refuses that share of them with throttling.
    """
    with AwsProxy(emulator.url, region=emulator.region) as proxy:
        yield proxy


@pytest.fixture(scope="module")
def ansible_recorded(emulator, recorded, ansible):
    """``Ansible`` whose playbooks and modules go through ``recorded``; its ``client()`` does not."""
    return Ansible(emulator, ansible.outputs_dir, endpoint=recorded)


class Edit(types.SimpleNamespace):
    """One edit applied as a user would: ``check`` (--check --diff), the AWS writes it attempted, ``real``."""


def check_then_apply(ansible, recorded, extra_vars, playbook="site.yml", inventory="inventories/dev", args=()):
    """Runs ``playbook`` with ``--check --diff``, then for real, through the recording proxy ``recorded``.

    ``ansible`` must talk through ``recorded`` (the ``ansible_recorded`` fixture). Returns an ``Edit``
    with both runs and ``check_writes``, the mutating calls the check run made (there should be none).
    """
    mark = recorded.mark()
    check = ansible.playbook(playbook, inventory, extra_vars, check=True, diff=True, args=args)
    check_writes = recorded.mutating_calls(mark)
    real = ansible.playbook(playbook, inventory, extra_vars, diff=True, args=args)
    return Edit(check=check, check_writes=check_writes, real=real)


PUBLISHED = {
    "database": "Publish the database's endpoints, secrets and security group",
    "ecr": "Publish the repository's name, URI and ARN",
    "compute": "Publish the application tier's names and endpoints",
    "scheduler": "Publish the scheduler's names",
}


def published_facts(run, *tiers):
    """The facts ``tiers`` (network, database, ecr, compute, scheduler) published during a site.yml ``run``.

    Passed as extra vars, they let a run with ``--tags`` converge one tier without running the tiers below it.
    """
    facts = {}
    for tier in tiers:
        if tier == "network":   # the module's result, registered
            result = run.result("Import the existing VPC, hosted zone, certificate and JWT parameter")
            facts[tier] = {key: value for key, value in result.items()
                           if not key.startswith("_") and key not in ("changed", "failed", "invocation", "diff", "action")}
        else:
            facts[tier] = run.result(PUBLISHED[tier])["ansible_facts"][tier]
    return facts


def resource_counts(ansible, name="nestjs-playground-dev"):
    """How many of each resource a deployment holds, as ``{kind: {resource name: count}}``.

    Everything site.yml creates for ``name`` (landing zone excluded): a count above 1 is a duplicate.
    """
    ec2, sm, rds, elb = ansible.client("ec2"), ansible.client("secretsmanager"), ansible.client("rds"), ansible.client("elbv2")
    ecs, iam, aas = ansible.client("ecs"), ansible.client("iam"), ansible.client("application-autoscaling")
    logs, ecr, route53 = ansible.client("logs"), ansible.client("ecr"), ansible.client("route53")

    def count(names):
        counts = {}
        for item in names:
            counts[item] = counts.get(item, 0) + 1
        return counts

    load_balancers = elb.describe_load_balancers()["LoadBalancers"]
    clusters = ecs.describe_clusters(clusters=ecs.list_clusters()["clusterArns"])["clusters"] if ecs.list_clusters()["clusterArns"] else []
    services = []
    for cluster in clusters:
        arns = ecs.list_services(cluster=cluster["clusterArn"])["serviceArns"]
        if arns:   # moto lists deleted (INACTIVE) services too
            services += [s["serviceName"] for s in ecs.describe_services(cluster=cluster["clusterArn"], services=arns)["services"]
                         if s["status"] == "ACTIVE"]
    records = []
    for zone in route53.list_hosted_zones()["HostedZones"]:
        records += [f"{r['Type']} {r['Name']}" for r in route53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
                    if r["Type"] not in ("NS", "SOA")]
    return {
        "security groups": count(g["GroupName"] for g in ec2.describe_security_groups()["SecurityGroups"]
                                 if g["GroupName"] != "default"),
        "secrets": count(s["Name"] for s in sm.list_secrets(IncludePlannedDeletion=True)["SecretList"]),
        "db clusters": count(c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]),
        "db instances": count(i["DBInstanceIdentifier"] for i in rds.describe_db_instances()["DBInstances"]),
        "db cluster parameter groups": count(g["DBClusterParameterGroupName"] for g in
                                             rds.describe_db_cluster_parameter_groups()["DBClusterParameterGroups"]
                                             if not g["DBClusterParameterGroupName"].startswith("default.")),
        "load balancers": count(lb["LoadBalancerName"] for lb in load_balancers),
        "target groups": count(tg["TargetGroupName"] for tg in elb.describe_target_groups()["TargetGroups"]),
        "listeners": count(f"{lb['LoadBalancerName']}:{listener['Port']}" for lb in load_balancers
                           for listener in elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]),
        "ecs clusters": count(c["clusterName"] for c in clusters if c["status"] == "ACTIVE"),
        "ecs services": count(services),
        "active task definition revisions": count(arn.split("/")[-1].rsplit(":", 1)[0]
                                                  for arn in ecs.list_task_definitions(status="ACTIVE")["taskDefinitionArns"]),
        "iam roles": count(r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"].startswith(name)),
        "scalable targets": count(t["ResourceId"] for t in aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]),
        "scaling policies": count(p["PolicyName"] for p in aas.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]),
        "log groups": count(g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]),
        "ecr repositories": count(r["repositoryName"] for r in ecr.describe_repositories()["repositories"]),
        "dns records": count(records),
    }


def dev_resources(name="nestjs-playground-dev", scheduler=False):
    """What ``resource_counts`` reads after the dev inventory converged: one of each."""
    scheduler_name = name.replace("nestjs-playground-", "nestjs-playground-scheduler-")
    expected = {
        "security groups": [f"{name}-db", f"{name}-app", f"{name}-alb"] + ([scheduler_name] if scheduler else []),
        "secrets": [f"{name}-db-credentials"],
        "db clusters": [name],
        "db instances": [f"{name}-writer"],
        "db cluster parameter groups": [name],
        "load balancers": [f"{name}-alb"],
        "target groups": [f"{name}-tg"],
        "listeners": [f"{name}-alb:80", f"{name}-alb:443"],
        "ecs clusters": [name],
        "ecs services": [name] + ([scheduler_name] if scheduler else []),
        "active task definition revisions": [name] + ([scheduler_name] if scheduler else []),
        "iam roles": [f"{name}-execution", f"{name}-task"],
        "scalable targets": [f"service/{name}/{name}"],
        "scaling policies": [f"{name}-cpu"],
        "log groups": [f"/ecs/{name}"] + ([f"/ecs/{scheduler_name}"] if scheduler else []),
        "ecr repositories": ["nestjs-playground"],
        "dns records": ["A nestjs-playground-api.example.com."],
    }
    return {kind: {item: 1 for item in items} for kind, items in expected.items()}
