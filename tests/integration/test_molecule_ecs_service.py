"""The molecule scenario of the ecs_service role (molecule/ecs_service) passes: converge, idempotence, verify."""

import pytest

from molecule_scenario import assert_scenario_passes

pytestmark = pytest.mark.integration


def test_molecule_scenario_passes(tmp_path):
    assert_scenario_passes("ecs_service", tmp_path)
