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


# Where playbooks, roles and scenarios call a role's entry point (include_role/import_role tasks_from=...).
CALLERS = ["site.yml", "playbooks", "roles", "molecule", os.path.join("tests", "integration", "playbooks")]
ROLE_CALLS = {f"{prefix}{action}" for prefix in ("", "ansible.builtin.") for action in ("include_role", "import_role")}


def entry_point_calls():
    """(role, entry point, file) of every include_role/import_role with tasks_from in the CALLERS."""
    paths = []
    for caller in CALLERS:
        path = os.path.join(ROOT, caller)
        paths += [path] if os.path.isfile(path) else glob.glob(os.path.join(path, "**", "*.yml"), recursive=True)
    calls = set()

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ROLE_CALLS and isinstance(value, dict) and value.get("tasks_from"):
                    calls.add((value["name"].split(".")[-1], os.path.splitext(value["tasks_from"])[0], os.path.relpath(path, ROOT)))
                walk(value, path)
        elif isinstance(node, list):
            for item in node:
                walk(item, path)

    for path in sorted(paths):
        with open(path, encoding="utf-8") as handle:
            walk(yaml.safe_load(handle), path)
    return sorted(calls)


def test_the_callers_call_entry_points():
    assert {(role, entry) for role, entry, _ in entry_point_calls()} >= {("config", "preflight"), ("ecs_service", "deploy")}


def test_every_entry_point_a_playbook_calls_has_an_argument_spec():
    missing = [f"{role} tasks_from={entry} ({path})" for role, entry, path in entry_point_calls()
               if entry not in load(role, ("meta", "argument_specs.yml"))["argument_specs"]]
    assert missing == []


def test_the_preflight_declares_no_options():
    """Ansible validates an entry point's options before its first task: options on the pre-flight would stop the
    run with their own problems, before the CDK_* variables apply, instead of its one message naming every problem."""
    preflight = load("config", ("meta", "argument_specs.yml"))["argument_specs"]["preflight"]
    assert preflight["short_description"] and not preflight.get("options")
