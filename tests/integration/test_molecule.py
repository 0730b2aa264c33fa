"""Every role has a molecule scenario (molecule/<role>), and every scenario runs in make test from a test
module of its own (test_molecule_<scenario>.py, through molecule_scenario.py)."""

import os

import pytest

from conftest import ROOT
from molecule_scenario import SCENARIOS

pytestmark = pytest.mark.integration


def test_there_is_a_scenario_for_every_role():
    assert SCENARIOS == sorted(os.listdir(os.path.join(ROOT, "roles")))


def test_every_scenario_has_its_own_test_module():
    here = os.path.dirname(os.path.abspath(__file__))
    modules = sorted(name[len("test_molecule_"):-len(".py")] for name in os.listdir(here)
                     if name.startswith("test_molecule_") and name.endswith(".py"))
    assert modules == SCENARIOS
