"""The project's benchmark: how long converges, no-op reruns, check runs and plans take, and how many
tasks and AWS API calls each makes, against a fresh local AWS endpoint (``make bench``).

    python bench/run.py [--runs 3] [--apps 1 2 4] [--json bench/results/latest.json]

Each repetition starts a new local endpoint with the recording proxy (scripts/aws_proxy.py) in front
of it and builds the landing zone there (not measured). Then, for the dev inventory with every feature
on (read replica, scheduler, and the optional features the roles offer): a full converge from nothing,
a no-op rerun, ``--check --diff`` on the converged environment and ``playbooks/plan.yml``, once with the
collection's modules run inside Ansible's worker (direct execution, the default) and once through the
module path (``NESTJS_INFRA_DIRECT_EXECUTION=false``), each on an endpoint of its own. Then, on new
endpoints, an inventory of 2 and 4 applications (one host each, Ansible's forks run them in parallel),
with direct execution: converge and no-op rerun. It prints a table of medians with min and max over
the repetitions, and writes every measurement as JSON for comparison over time. Nothing here is
asserted: the targets and what they mean are in docs/performance.md.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import boto3
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "scripts"), os.path.join(ROOT, "tests", "integration")]

from aws_proxy import AwsProxy  # noqa: E402  pylint: disable=wrong-import-position
from emulator import Emulator  # noqa: E402  pylint: disable=wrong-import-position
from resources import CREATED, what_exists  # noqa: E402  pylint: disable=wrong-import-position

BIN = os.path.dirname(sys.executable)
# Every feature on, for the variables the roles offer (a feature another branch has not brought yet is left out).
FEATURES = {
    "database_read_replica": True,
    "schedule_task_cleanup_cron": "0 2 * * *",
    "xray_enabled": True,
    "vpc_flow_logs_enabled": True,
    "monitoring_enabled": True,
}


def role_inputs():
    names = set()
    for role in os.listdir(os.path.join(ROOT, "roles")):
        with open(os.path.join(ROOT, "roles", role, "meta", "argument_specs.yml"), encoding="utf-8") as handle:
            for entry in yaml.safe_load(handle)["argument_specs"].values():
                names |= set(entry.get("options", {}))
    return names


class Client:
    """What resources.what_exists needs: boto3 clients of the emulator itself (never through the proxy)."""

    def __init__(self, emulator):
        self.emulator = emulator

    def client(self, service):
        return boto3.client(service, endpoint_url=self.emulator.url, region_name=self.emulator.region,
                            aws_access_key_id="testing", aws_secret_access_key="testing")


# How this collection's modules run (plugins/plugin_utils/direct_execution.py): inside Ansible's worker, the
# default, or each in a process of its own, the module path, which NESTJS_INFRA_DIRECT_EXECUTION=false selects.
PATHS = {"direct": "true", "module path": "false"}


def ansible_playbook(proxy, playbook, inventory, extra_vars=(), check=False, path="direct"):
    """Runs one playbook through ``proxy``; returns (seconds, tasks run, API calls, mutating calls, rc)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ANSIBLE_", "CDK_", "NESTJS_INFRA_"))}
    env.update(proxy.env(), PATH=BIN + os.pathsep + env.get("PATH", ""), ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"),
               ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
               ANSIBLE_DEPRECATION_WARNINGS="0", NESTJS_INFRA_DIRECT_EXECUTION=PATHS[path])
    cmd = [os.path.join(BIN, "ansible-playbook"), playbook, "-i", inventory]
    for item in extra_vars:
        cmd += ["-e", json.dumps(item)]
    if check:
        cmd += ["--check", "--diff"]
    mark = proxy.mark()
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800, check=False)
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed (rc {proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}")
    stats = json.loads(proc.stdout)["stats"]
    tasks = sum(host["ok"] + host["failures"] for host in stats.values())
    return {"seconds": round(seconds, 2), "tasks": tasks, "api_calls": len(proxy.calls(mark)),
            "mutating_calls": len(proxy.mutating_calls(mark))}


def inventory_of(directory, apps, landing_zone):
    """The dev inventory's variables (inventories/dev), with ``apps`` applications as hosts."""
    with open(os.path.join(ROOT, "inventories", "dev", "group_vars", "deployments.yml"), encoding="utf-8") as handle:
        dev = yaml.safe_load(handle)
    hosts = {}
    for index in range(apps):
        app = "nestjs-playground" if index == 0 else f"bench-app{index}"
        hosts[f"{app}-dev"] = {**dev, **landing_zone, "app_name": app, "environment_name": "dev",
                               "domain_name": "nestjs-playground-api" if index == 0 else app}
    path = os.path.join(directory, f"hosts-{apps}.yml")
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump({"deployments": {"hosts": hosts, "vars": {
            "ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}, handle)
    return path, list(hosts)


def landing_zone(proxy, emulator, directory, apps):
    """The landing zone of inventories/dev, and a JWT parameter for each further application."""
    ansible_playbook(proxy, "playbooks/landing_zone.yml", "inventories/dev", [{"landing_zone_dir": directory}])
    with open(os.path.join(directory, "landing-zone-nestjs-playground-dev.yml"), encoding="utf-8") as handle:
        values = yaml.safe_load(handle)
    for index in range(1, apps):
        Client(emulator).client("ssm").put_parameter(Name=f"/bench-app{index}/jwt-secret", Type="SecureString",
                                                     Value=f"bench-jwt-{index}")
    return values


def one_repetition(apps_counts, features, paths):
    """One measurement of every scenario, each on a new local endpoint: every ``apps`` count with direct
    execution, and one application through each path in ``paths`` (side by side, in the order given)."""
    measured = {}
    with tempfile.TemporaryDirectory() as directory:
        runs = [(apps, "direct") for apps in apps_counts if apps != 1]
        runs[:0] = [(1, path) for path in paths] if 1 in apps_counts else []
        for apps, path in runs:
            with Emulator(log_path=os.path.join(directory, f"moto-{apps}-{path}.log")) as emulator, \
                    AwsProxy(emulator.url, region=emulator.region) as proxy:
                lz = landing_zone(proxy, emulator, directory, apps)
                inventory, _ = inventory_of(directory, apps, lz)
                extra = [features, {"outputs_file": ""}]
                prefix = f"{apps} app{'s' if apps > 1 else ''}, {path}"
                measured[f"{prefix}: converge from nothing"] = ansible_playbook(proxy, "site.yml", inventory, extra, path=path)
                resources = sum(len(what_exists(Client(emulator))[kind]) for kind in CREATED)
                measured[f"{prefix}: no-op rerun"] = dict(ansible_playbook(proxy, "site.yml", inventory, extra, path=path),
                                                          resources=resources)
                if apps == 1:
                    measured[f"{prefix}: --check --diff, converged"] = ansible_playbook(
                        proxy, "site.yml", inventory, extra, check=True, path=path)
                    if os.path.exists(os.path.join(ROOT, "playbooks", "plan.yml")):
                        measured[f"{prefix}: plan.yml, converged"] = ansible_playbook(
                            proxy, "playbooks/plan.yml", inventory, extra, path=path)
    return measured


def summarise(repetitions):
    rows = {}
    for repetition in repetitions:
        for name, values in repetition.items():
            rows.setdefault(name, []).append(values)
    summary = {}
    for name, values in rows.items():
        seconds = [v["seconds"] for v in values]
        row = {"runs": len(values), "median_s": round(statistics.median(seconds), 1), "min_s": min(seconds),
               "max_s": max(seconds), "tasks": int(statistics.median(v["tasks"] for v in values)),
               "api_calls": int(statistics.median(v["api_calls"] for v in values)),
               "mutating_calls": int(statistics.median(v["mutating_calls"] for v in values))}
        if "resources" in values[0]:
            row["resources"] = int(statistics.median(v["resources"] for v in values))
            row["api_calls_per_resource"] = round(row["api_calls"] / row["resources"], 2)
        summary[name] = row
    return summary


def table(summary):
    lines = ["| Scenario | median s | min s | max s | tasks | AWS calls | mutating | calls per resource |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, row in summary.items():
        lines.append(f"| {name} | {row['median_s']} | {row['min_s']} | {row['max_s']} | {row['tasks']} | "
                     f"{row['api_calls']} | {row['mutating_calls']} | {row.get('api_calls_per_resource', '')} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="repetitions (the table shows medians; at least 3)")
    parser.add_argument("--apps", type=int, nargs="+", default=[1, 2, 4], help="applications per inventory")
    parser.add_argument("--json", default=os.path.join(ROOT, "bench", "results", "latest.json"))
    parser.add_argument("--paths", nargs="+", choices=sorted(PATHS), default=["direct", "module path"],
                        help="how the collection's modules run, for one application (alternated between repetitions)")
    args = parser.parse_args(argv)
    inputs = role_inputs()
    features = {name: value for name, value in FEATURES.items() if name in inputs}
    repetitions = []
    for number in range(1, args.runs + 1):
        print(f"repetition {number} of {args.runs}...", file=sys.stderr, flush=True)
        paths = args.paths if number % 2 else list(reversed(args.paths))   # neither path always goes first
        repetitions.append(one_repetition(sorted(set(args.apps)), features, paths))
    summary = summarise(repetitions)
    result = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                 check=False).stdout.strip(),
        "features": features, "summary": summary, "repetitions": repetitions,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=2)
    print(table(summary))
    print(f"\n{result['date']}, {result['machine']['cpus']} CPUs, commit {result['commit']}; JSON: {args.json}")


if __name__ == "__main__":
    main()
