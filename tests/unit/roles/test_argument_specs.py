"""Every role documents every input it has a default for, with a type and a description (ansible-doc -t role
renders them, and the pre-flight check reads the types and choices from them)."""

import glob
import os

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ROLES = sorted(os.path.basename(path) for path in glob.glob(os.path.join(ROOT, "roles", "*")))
# The config role's derived values: computed from the inputs, documented in its defaults as not meant to be set.
DERIVED = {"deployment_name", "is_production", "scheduler_enabled", "common_tags"}


def load(role, name):
    with open(os.path.join(ROOT, "roles", role, *name), encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


@pytest.mark.parametrize("role", ROLES)
def test_every_default_is_a_documented_input(role):
    specs = load(role, ("meta", "argument_specs.yml"))["argument_specs"]
    documented = {name for entry in specs.values() for name in (entry.get("options") or {})}
    defaults = set(load(role, ("defaults", "main.yml"))) if os.path.exists(os.path.join(ROOT, "roles", role, "defaults", "main.yml")) else set()
    assert sorted(defaults - documented - DERIVED) == []


@pytest.mark.parametrize("role", ROLES)
def test_every_input_has_a_type_and_a_description(role):
    specs = load(role, ("meta", "argument_specs.yml"))["argument_specs"]
    incomplete = [f"{entry}.{name}" for entry, spec in specs.items() for name, option in (spec.get("options") or {}).items()
                  if not option.get("type") or not option.get("description")]
    assert incomplete == []
