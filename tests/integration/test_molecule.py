"""Every molecule scenario (one per role, under molecule/), each against its own local AWS endpoint,
with the sequence destroy, syntax, [prepare,] converge, idempotence, verify, destroy. The scenarios
are independent, so pytest-xdist spreads them over its workers."""

import os
import re
import subprocess

import pytest

from conftest import BIN
from conftest import ROOT
from conftest import Ansible
from emulator import Emulator

pytestmark = pytest.mark.integration

SCENARIOS = sorted(
    name for name in os.listdir(os.path.join(ROOT, "molecule"))
    if os.path.exists(os.path.join(ROOT, "molecule", name, "molecule.yml"))
)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_there_is_a_scenario_for_every_role():
    assert SCENARIOS == sorted(os.listdir(os.path.join(ROOT, "roles")))


# Each scenario is a work unit of its own (tests/scheduling.py), so the workers share them.
@pytest.mark.parametrize("scenario", [pytest.param(name, marks=pytest.mark.xdist_group(f"molecule-{name}")) for name in SCENARIOS])
def test_molecule_scenario_passes(scenario, tmp_path):
    with Emulator(log_path=str(tmp_path / "moto.log")) as emulator:
        proc = run_molecule(scenario, Ansible(emulator))
    output = ANSI.sub("", proc.stdout + proc.stderr)
    (tmp_path / "molecule.log").write_text(output)
    assert proc.returncode == 0, output[-6000:]
    for action in ("converge", "idempotence", "verify"):
        assert re.search(rf"{scenario} (➜|>) {action}: Executed: Successful", output), output[-3000:]


def run_molecule(scenario, ansible):
    env = ansible.env(ANSIBLE_STDOUT_CALLBACK="default", MOLECULE_NO_LOG="false", NO_COLOR="1")
    return subprocess.run(
        [os.path.join(BIN, "molecule"), "test", "-s", scenario],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
