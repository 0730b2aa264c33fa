"""The molecule scenario of the config role (molecule/config) passes: converge, idempotence, verify."""

import pytest

from molecule_scenario import assert_scenario_passes

pytestmark = pytest.mark.integration


def test_molecule_scenario_passes(tmp_path):
    assert_scenario_passes("config", tmp_path)
