"""The README's first day on a real account ("The first day, in order"), run as written against the local endpoint
(issue 22): the ECR tier alone in check mode and for real, the image pushed, the plan, then site.yml in prd.

The block's lines are run one by one, with the substitutions a local endpoint needs and nothing else:
- `make setup && source .venv/bin/activate`: the tests already run from .venv;
- `ansible-playbook ...`: run as written, with the landing zone's ids (the README's step 3, the inventory's
  placeholders) and this scenario's outputs and plan files as extra variables;
- `<account>` and `<region>`: the endpoint's (123456789012, us-east-1);
- `aws ecr get-login-password | docker login` and `docker build`: nothing (the endpoint holds no layers);
  `docker push <uri>:<tag>`: `PutImage` of a manifest with that tag (resources.push_image).
A line the test does not know fails it, so the block stays runnable. This module's endpoint starts the tasks of a
created service (MOTO_ECS_SERVICE_RUNNING=2, prd's desired count; the emulator otherwise starts none,
docs/emulator-gaps.md), so prd's default wait for a stable service holds, as on AWS once the image is there.
"""

import os
import re
import shlex
import sys

import pytest

from conftest import ROOT
from conftest import SNAPSHOT_SERVER
from conftest import landing_zone
from emulator import Emulator
from resources import push_image

pytestmark = pytest.mark.integration

HEADING = "### The first day, in order"
APP = "nestjs-playground-prd"
SUBSTITUTIONS = {"<account>": "123456789012", "<region>": "us-east-1"}


def first_day_commands():
    """The command lines of the README's first ```bash block after HEADING, comments dropped, placeholders filled."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        text = handle.read()
    section = text[text.index(HEADING):]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    lines = [line.strip() for line in block.splitlines() if line.strip() and not line.strip().startswith("#")]
    for placeholder, value in SUBSTITUTIONS.items():
        lines = [line.replace(placeholder, value) for line in lines]
    return lines


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    """This module's endpoint, whose created services run as many tasks as prd wants (see the module's docstring)."""
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    previous = os.environ.get("MOTO_ECS_SERVICE_RUNNING")
    os.environ["MOTO_ECS_SERVICE_RUNNING"] = "2"
    try:
        running = Emulator(log_path=str(log), command=[sys.executable, SNAPSHOT_SERVER]).start()
    finally:
        if previous is None:
            del os.environ["MOTO_ECS_SERVICE_RUNNING"]
        else:
            os.environ["MOTO_ECS_SERVICE_RUNNING"] = previous
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def scenario(ansible, tmp_path_factory):
    directory = tmp_path_factory.mktemp("landing-zone")
    landing_zone(ansible, directory)
    zone_file = str(directory / "landing-zone-nestjs-playground-dev.yml")   # the dev landing zone's ids serve prd too
    files = {"plan_file": str(tmp_path_factory.mktemp("plan") / "plan.json")}
    steps = []
    for line in first_day_commands():
        words = shlex.split(line)
        if line == "make setup && source .venv/bin/activate":
            steps.append((line, None))
        elif words[0] == "ansible-playbook":
            playbook, inventory = words[1], words[words.index("-i") + 1]
            rest = [word for i, word in enumerate(words[2:], start=2) if word != "-i" and words[i - 1] != "-i"]
            check, diff = "--check" in rest, "--diff" in rest
            args = [word for word in rest if word not in ("--check", "--diff")]
            run = ansible.playbook(playbook, inventory, extra_vars=["@" + zone_file, files], check=check, diff=diff, args=args)
            steps.append((line, run))
        elif words[:3] == ["aws", "ecr", "get-login-password"] or words[:2] == ["docker", "build"]:
            steps.append((line, None))
        elif words[:2] == ["docker", "push"]:
            uri, _, tag = words[2].rpartition(":")
            push_image(ansible, uri.rpartition("/")[2], tag)
            steps.append((line, uri))
        else:
            pytest.fail(f"the README's first day has a line this test does not know how to run: {line}")
    return steps


def runs(scenario):
    return [(line, run) for line, run in scenario if line.startswith("ansible-playbook")]


def test_the_block_is_the_first_day_order_ecr_then_the_image_then_the_rest():
    commands = first_day_commands()
    order = [i for i, line in enumerate(commands) for needle in ("--tags ecr", "docker push", "playbooks/plan.yml", "site.yml -i inventories/prd")
             if needle in line and (needle != "site.yml -i inventories/prd" or "--tags" not in line)]
    assert order == sorted(order) and len(order) == 5, commands   # two ECR runs (check, real), the push, the plan, the site


def test_every_run_of_the_block_succeeds(scenario):
    for line, run in runs(scenario):
        assert run.rc == 0, f"{line}\n{run!r}"


def test_the_push_goes_to_the_repository_the_ecr_run_names(scenario):
    (_, ecr_run) = [(line, run) for line, run in runs(scenario) if "--tags ecr" in line and "--check" not in line][0]
    (ecr_line,) = [line for line in ecr_run.result("Show what the environment is made of", APP)["msg"] if line.startswith("ECR")]
    (pushed,) = [uri for line, uri in scenario if line.startswith("docker push")]
    assert ecr_line == "ECR         " + pushed


def test_the_ecr_tier_creates_the_repository_alone(scenario, ansible):
    assert [r["repositoryName"] for r in ansible.client("ecr").describe_repositories()["repositories"]] == ["nestjs-playground"]
    (_, ecr_run) = [(line, run) for line, run in runs(scenario) if "--tags ecr" in line and "--check" not in line][0]
    assert not [name for name, _ in ecr_run.results(APP) if name.startswith(("Ensure the Fargate", "Ensure the encrypted Aurora"))]


def test_after_the_push_the_plan_has_no_image_note_and_site_runs_the_pushed_image_waiting_for_the_service(scenario, ansible):
    (_, plan), (_, site) = [(line, run) for line, run in runs(scenario) if "--tags" not in line]
    assert not [line for line in plan.result("Show the plan", APP)["msg"] if "is not in the ECR repository" in line]
    (image,) = [line for line in site.result("Show what the environment is made of", APP)["msg"] if line.startswith("Image")]
    assert image.startswith("Image       123456789012.dkr.ecr.us-east-1.amazonaws.com/nestjs-playground:latest (sha256:")
    service = site.result("Ensure the Fargate service runs in the private subnets behind the target group", APP)
    assert service["invocation"]["module_args"]["wait"] is True   # production waits for its service by default
    (described,) = ansible.client("ecs").describe_services(cluster=APP, services=[APP])["services"]
    assert (described["desiredCount"], described["runningCount"]) == (2, 2)
