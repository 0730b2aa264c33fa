# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Deciding what must change: pure functions of (desired, current), shared by every module.

A module describes the part of a resource it owns as a flat dict of fields. ``desired`` holds what the
user asked for, with ``None`` meaning "leave this field alone"; ``current`` holds what AWS returned.
A field that AWS did not return at all (``MISSING``) is not a difference to act on: some APIs, and
the local emulator more often, omit fields they do not track, and acting on an absence would report a
change on every run (docs/emulator-gaps.md lists where that happens).
"""

import numbers

MISSING = object()


def values_equal(desired, current):
    """Compare two values the way AWS means them.

    Numbers are compared as numbers (``1 == 1.0``, but ``True`` is not a number here), dicts key by key,
    lists item by item in order, and everything else with ``==``.
    """
    if isinstance(desired, bool) or isinstance(current, bool):
        return type(desired) is type(current) and desired == current
    if isinstance(desired, numbers.Number) and isinstance(current, numbers.Number):
        return float(desired) == float(current)
    if isinstance(desired, dict) and isinstance(current, dict):
        if set(desired) != set(current):
            return False
        return all(values_equal(desired[key], current[key]) for key in desired)
    if isinstance(desired, (list, tuple)) and isinstance(current, (list, tuple)):
        if len(desired) != len(current):
            return False
        return all(values_equal(d, c) for d, c in zip(desired, current))
    return desired == current


def changed_fields(desired, current):
    """The names of the fields to change, in the order of ``desired``.

    A field is changed when it is asked for (not ``None``), AWS returned it (not ``MISSING``) and the
    two values differ. With ``current`` None (the resource does not exist) every asked field changes.
    """
    if current is None:
        return [key for key, value in desired.items() if value is not None]
    changed = []
    for key, value in desired.items():
        if value is None:
            continue
        have = current.get(key, MISSING)
        if have is MISSING:
            continue
        if not values_equal(value, have):
            changed.append(key)
    return changed


def returned(state, names=None):
    """The fields of ``state`` (those named in ``names``, in their order, when given) that AWS returned (not ``MISSING``)."""
    state = state or {}
    return {key: state[key] for key in (state if names is None else names) if key in state and state[key] is not MISSING}


def predicted_state(desired, current):
    """What the owned fields will read after the change: current, overlaid with every asked field."""
    after = returned(current)
    after.update({key: value for key, value in desired.items() if value is not None})
    return after


def make_diff(before, after):
    """The ``diff`` a module returns for ``--diff``: the owned fields before and after."""
    return {"before": before or {}, "after": after or {}}
