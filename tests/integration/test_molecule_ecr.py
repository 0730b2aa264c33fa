"""The molecule scenario of the ecr role (molecule/ecr) passes: converge, idempotence, verify."""

import pytest

from molecule_scenario import assert_scenario_passes

pytestmark = pytest.mark.integration


def test_molecule_scenario_passes(tmp_path):
    assert_scenario_passes("ecr", tmp_path)
