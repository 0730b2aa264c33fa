"""How ``make test`` shares its work between pytest-xdist's workers (loaded by pytest.ini: ``-p scheduling``).

A work unit is a test module, because an integration module converges its scenario once in
module-scoped fixtures and its tests read what that run left: every test gets the mark
``xdist_group(<module path>)`` unless it names its own group (each molecule scenario does, so that
the scenarios spread over the workers), and ``--dist loadgroup`` keeps a group on one worker.

The units start longest first (``--no-loadscope-reorder`` keeps this order), so that no long module
starts last while the other worker idles. Their lengths are those last measured, in
tests/durations.json; ``pytest --store-durations`` (``make durations``) measures them again. A unit
missing from the file counts as the longest, so a new scenario never ends up last.
"""

import json
import os

import pytest

DURATIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "durations.json")


def pytest_addoption(parser):
    parser.addoption("--store-durations", action="store_true", default=False,
                     help=f"write each work unit's measured seconds into {os.path.relpath(DURATIONS)}")


def group_of(item):
    mark = item.get_closest_marker("xdist_group")
    if mark:
        return str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
    return item.nodeid.split("::", 1)[0]


def load_durations():
    try:
        with open(DURATIONS, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return {}


def longest_first(groups, durations):
    """The positions of items whose work units are ``groups`` (in collection order), longest unit first.

    A unit keeps its items together and in their order; units of equal length keep their collection
    order; a unit ``durations`` does not know counts as longer than every unit it knows.
    """
    unknown = max(durations.values(), default=0) + 1
    first = {}
    for index, group in enumerate(groups):
        first.setdefault(group, index)
    return sorted(range(len(groups)), key=lambda index: (-durations.get(groups[index], unknown), first[groups[index]], index))


@pytest.hookimpl(tryfirst=True)   # before xdist appends each test's group to its node id
def pytest_collection_modifyitems(config, items):
    groups = [group_of(item) for item in items]
    for item, group in zip(items, groups):
        config.stash[_GROUPS][item.nodeid] = group
        if not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(group))
    items[:] = [items[index] for index in longest_first(groups, load_durations())]


_GROUPS = pytest.StashKey[dict]()


class DurationRecorder:
    """Adds up each work unit's setup, call and teardown seconds; writes them at the end of the session."""

    def __init__(self, config):
        self.config = config
        self.measured = {}

    def pytest_runtest_logreport(self, report):
        # On the xdist controller a node id ends with "@<group>"; without xdist, collection named the group.
        nodeid, group = report.nodeid.rsplit("@", 1) if "@" in report.nodeid else (report.nodeid, None)
        group = group or self.config.stash[_GROUPS].get(nodeid) or nodeid.split("::", 1)[0]
        self.measured[group] = self.measured.get(group, 0.0) + report.duration

    def pytest_sessionfinish(self):
        if hasattr(self.config, "workerinput"):   # the controller writes, once
            return
        durations = load_durations()
        durations.update({group: round(seconds, 1) for group, seconds in self.measured.items()})
        with open(DURATIONS, "w", encoding="utf-8") as handle:
            json.dump(dict(sorted(durations.items())), handle, indent=1)
            handle.write("\n")


def pytest_configure(config):
    config.stash[_GROUPS] = {}
    if config.getoption("store_durations"):
        config.pluginmanager.register(DurationRecorder(config), "scheduling-durations")
