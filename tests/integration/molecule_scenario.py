"""Runs one molecule scenario (molecule/<name>, one per role) against its own local AWS endpoint, with the
sequence destroy, syntax, [prepare,] converge, idempotence, verify, destroy. Each scenario's test is a
module of its own (test_molecule_<name>.py), so that pytest-xdist spreads them over its workers. The endpoint
is snapshot_server.py's moto: a scenario whose prepare needs the landing zone gets it restored there (all but
one, which builds it as a run by hand does).
"""

import os
import re
import subprocess
import sys

import yaml

from conftest import BIN
from conftest import DEV_HOST
from conftest import LANDING_ZONES
from conftest import ROOT
from conftest import SNAPSHOT_SERVER
from conftest import Ansible
from conftest import landing_zone
from emulator import Emulator

SCENARIOS = sorted(
    name for name in os.listdir(os.path.join(ROOT, "molecule"))
    if os.path.exists(os.path.join(ROOT, "molecule", name, "molecule.yml"))
)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


# The scenario whose prepare builds the landing zone, as `molecule test -s <role>` by hand does; the others'
# restore the one this worker built (conftest.landing_zone), 30 s less each.
BUILDS_ITS_LANDING_ZONE = "network_lookup"


def prepares_a_landing_zone(scenario):
    """Whether the scenario's prepare is the shared one, which builds the landing zone or copies its files."""
    with open(os.path.join(ROOT, "molecule", scenario, "molecule.yml"), encoding="utf-8") as handle:
        return (yaml.safe_load(handle).get("ansible", {}).get("playbooks", {}).get("prepare")) == "../shared/prepare.yml"


def assert_scenario_passes(scenario, tmp_path):
    with Emulator(log_path=str(tmp_path / "moto.log"), command=[sys.executable, SNAPSHOT_SERVER]) as emulator:
        ansible = Ansible(emulator)
        saved = None
        if prepares_a_landing_zone(scenario) and scenario != BUILDS_ITS_LANDING_ZONE:   # prepare restores it
            saved = tmp_path / "landing-zone"
            landing_zone(ansible, saved)   # built once in this run, or restored: its files are written in any case
        proc = run_molecule(scenario, ansible, saved)
    output = ANSI.sub("", proc.stdout + proc.stderr)
    (tmp_path / "molecule.log").write_text(output)
    assert proc.returncode == 0, output[-6000:]
    for action in ("converge", "idempotence", "verify"):
        assert re.search(rf"{scenario} (➜|>) {action}: Executed: Successful", output), output[-3000:]


def run_molecule(scenario, ansible, landing_zone_dir=None):
    """``molecule test -s scenario``; with ``landing_zone_dir`` (where ``conftest.landing_zone`` wrote the dev
    landing zone's files), its prepare restores the state saved after that landing zone was built instead of
    building one (molecule/shared/prepare.yml)."""
    snapshot = os.path.join(LANDING_ZONES[("inventories/dev", DEV_HOST)], "state.pickle") if landing_zone_dir else None
    env = ansible.env(ANSIBLE_STDOUT_CALLBACK="default", MOLECULE_NO_LOG="false", NO_COLOR="1",
                      MOLECULE_LANDING_ZONE_DIR=str(landing_zone_dir) if landing_zone_dir else None,
                      MOLECULE_LANDING_ZONE_SNAPSHOT=snapshot)
    return subprocess.run(
        [os.path.join(BIN, "molecule"), "test", "-s", scenario],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
