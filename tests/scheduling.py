"""How ``make test`` shares its work between pytest-xdist's workers (loaded by pytest.ini: ``-p scheduling``).

A work unit is a test module (``--dist loadfile``), because an integration module converges its scenario
once in module-scoped fixtures and its tests read what that run left. (Not ``--dist loadgroup``: with
pytest 9, pytest-xdist 3.8 no longer manages to add the group to the test ids, so every test becomes its
own unit and each worker runs the module's converge again.) A scenario that should spread over the
workers gets a module of its own, as each molecule scenario does (tests/integration/test_molecule_*.py).

The units start longest first (``--no-loadscope-reorder`` keeps this order), so that no long module
starts last while the other worker idles. Their lengths are those last measured, in
tests/durations.json; ``pytest --store-durations`` (``make durations``) measures them again. A unit
missing from the file counts as the longest, so a new scenario never ends up last.
"""

import json
import os

import pytest

DURATIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "durations.json")
ROOT = os.path.dirname(os.path.dirname(DURATIONS))


def pytest_addoption(parser):
    parser.addoption("--store-durations", action="store_true", default=False,
                     help=f"write each work unit's measured seconds into {os.path.relpath(DURATIONS)}")


def unit_of(nodeid):
    """The work unit of a test: its module's path."""
    return nodeid.split("::", 1)[0]


def load_durations():
    try:
        with open(DURATIONS, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return {}


def longest_first(units, durations):
    """The positions of items whose work units are ``units`` (in collection order), longest unit first.

    A unit keeps its items together and in their order; units of equal length keep their collection
    order; a unit ``durations`` does not know counts as longer than every unit it knows.
    """
    unknown = max(durations.values(), default=0) + 1
    first = {}
    for index, unit in enumerate(units):
        first.setdefault(unit, index)
    return sorted(range(len(units)), key=lambda index: (-durations.get(units[index], unknown), first[units[index]], index))


def pytest_collection_modifyitems(items):
    units = [unit_of(item.nodeid) for item in items]
    items[:] = [items[index] for index in longest_first(units, load_durations())]


class DurationRecorder:
    """Adds up each work unit's setup, call and teardown seconds; writes them at the end of the session."""

    def __init__(self, config):
        self.config = config
        self.measured = {}

    def pytest_runtest_logreport(self, report):
        unit = unit_of(report.nodeid)
        self.measured[unit] = self.measured.get(unit, 0.0) + report.duration

    def pytest_sessionfinish(self):
        if hasattr(self.config, "workerinput"):   # the controller writes, once
            return
        durations = {unit: seconds for unit, seconds in load_durations().items() if os.path.exists(os.path.join(ROOT, unit))}
        durations.update({unit: round(seconds, 1) for unit, seconds in self.measured.items()})
        with open(DURATIONS, "w", encoding="utf-8") as handle:
            json.dump(dict(sorted(durations.items())), handle, indent=1)
            handle.write("\n")


def pytest_configure(config):
    if config.getoption("store_durations"):
        config.pluginmanager.register(DurationRecorder(config), "scheduling-durations")
