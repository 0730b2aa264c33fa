"""The molecule scenario of the network_lookup role (molecule/network_lookup) passes: converge, idempotence, verify."""

import pytest

from molecule_scenario import assert_scenario_passes

pytestmark = pytest.mark.integration


def test_molecule_scenario_passes(tmp_path):
    assert_scenario_passes("network_lookup", tmp_path)
