"""Runs one molecule scenario (molecule/<name>, one per role) against its own local AWS endpoint, with the
sequence destroy, syntax, [prepare,] converge, idempotence, verify, destroy. Each scenario's test is a
module of its own (test_molecule_<name>.py), so that pytest-xdist spreads them over its workers."""

import os
import re
import subprocess

from conftest import BIN
from conftest import ROOT
from conftest import Ansible
from emulator import Emulator

SCENARIOS = sorted(
    name for name in os.listdir(os.path.join(ROOT, "molecule"))
    if os.path.exists(os.path.join(ROOT, "molecule", name, "molecule.yml"))
)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def assert_scenario_passes(scenario, tmp_path):
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
