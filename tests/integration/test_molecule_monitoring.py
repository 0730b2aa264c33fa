"""The molecule scenario of the monitoring role (molecule/monitoring) passes: converge, idempotence, verify."""

import pytest

from molecule_scenario import assert_scenario_passes

pytestmark = pytest.mark.integration


def test_molecule_scenario_passes(tmp_path):
    assert_scenario_passes("monitoring", tmp_path)
