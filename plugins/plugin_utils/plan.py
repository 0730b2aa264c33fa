# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What playbooks/plan.yml reports: the changes a check-mode run of site.yml's stacks would make.

Two plugins share this module. The callback ``nestjs_playground.infra.plan`` records every changed task
result in ``RECORDER`` as the controller's main process receives it; Ansible runs each task in a process
forked from that main process, so when plan.yml's report task runs, the lookup
``nestjs_playground.infra.plan`` sees everything recorded before it. Everything else here is pure
(tests/unit/plugins/plugin_utils/test_plan.py).

A change is named by the task that would make it, the module, the resource (from the module's
arguments: its name, family, identifier...) and, for a change to an existing resource, the fields the
module's diff shows changing, with their values before and after.
"""

import json

# The module arguments that name the resource a task manages, most specific first.
IDENTIFIERS = (
    "name",
    "db_instance_identifier",
    "db_cluster_identifier",
    "family",
    "log_group_name",
    "record",
    "repository_name",
    "service",
)
ACTIONS = ("create", "change", "remove")
SYMBOLS = {"create": "+", "change": "~", "remove": "-"}
# Values longer than this (as JSON) are left out of the one-line summary; the plan file has them all.
SHORT_VALUE = 60

# The callback's record, per host name: filled in the main process, read in the forked workers.
RECORDER = {"active": False, "hosts": {}}


def activate():
    """The callback is loaded: from now on the lookup can trust the record (empty means no change)."""
    RECORDER["active"] = True


def record(host, entries):
    RECORDER["hosts"].setdefault(host, []).extend(entries)


def recorded(host):
    """The entries recorded for ``host``; None when the callback is not loaded (nothing can be known)."""
    if not RECORDER["active"]:
        return None
    return list(RECORDER["hosts"].get(host, []))


# ---- from a task result to change entries (pure) --------------------------------------------------

def resource_name(args):
    """The name of the resource a module's arguments manage; "" when they name none."""
    args = args or {}
    if args.get("load_balancer_arn") and args.get("port") is not None:   # a listener: <load balancer>:<port>
        return f"{str(args['load_balancer_arn']).rstrip('/').split('/')[-2]}:{args['port']}"
    for key in IDENTIFIERS:
        value = args.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value):
            return str(value)
    return ""


_MISSING = object()


def differences(before, after, path=""):
    """{dotted path: {"before": ..., "after": ...}} of what differs; dicts are compared key by key,
    anything else (lists included) as a whole. A missing key reads as None."""
    if isinstance(before, dict) and isinstance(after, dict):
        found = {}
        for key in sorted(set(before) | set(after), key=str):
            old, new = before.get(key, _MISSING), after.get(key, _MISSING)
            if old != new:
                found.update(differences(old, new, f"{path}.{key}" if path else str(key)))
        return found
    return {path or "(value)": {"before": None if before is _MISSING else before,
                                "after": None if after is _MISSING else after}}


def _empty(value):
    return value is None or value == {} or value == [] or value == ""


def _diffs(result):
    diff = result.get("diff")
    if isinstance(diff, dict):
        return [diff]
    if isinstance(diff, list):
        return [item for item in diff if isinstance(item, dict)]
    return []


def change_entry(task, module, args, result):
    """One change entry from one changed (non-loop) result: action, task, module, resource, fields."""
    diffs = _diffs(result)
    before = [d.get("before") for d in diffs]
    after = [d.get("after") for d in diffs]
    if (args or {}).get("state") == "absent" or (diffs and all(_empty(a) for a in after) and not all(_empty(b) for b in before)):
        action = "remove"
    elif diffs and all(_empty(b) for b in before) and not all(_empty(a) for a in after):
        action = "create"
    else:
        action = "change"
    fields = {}
    if action == "change":
        for old, new in zip(before, after):
            if isinstance(old, dict) and isinstance(new, dict):
                fields.update(differences(old, new))
        # A top-level field missing from a check-mode "after" is one the module does not predict
        # (amazon.aws.ec2_security_group left out its ARN), not one that goes: shown only when alone.
        unpredicted = {path for path, values in fields.items()
                       if "." not in path and values["after"] is None
                       and all(isinstance(new, dict) and path not in new for new in after)}
        if unpredicted and unpredicted != set(fields):
            fields = {path: values for path, values in fields.items() if path not in unpredicted}
    return {
        "action": action,
        "task": task,
        "module": module,
        "resource": resource_name(args),
        "fields": fields,
        "diff": bool(diffs),   # some modules (amazon.aws.rds_instance...) return none: no action or fields then
    }


def change_entries(task, module, task_args, result):
    """The change entries of one task result: one per changed loop item, or one for a changed task.

    ``task_args`` are the task's templated arguments; the module's own view of them
    (``invocation.module_args``, secrets masked) wins where the result has it.
    """
    if not result.get("changed"):
        return []
    items = result.get("results")
    if isinstance(items, list):
        return [entry for item in items if isinstance(item, dict)
                for entry in change_entries(task, module, task_args, dict(item, results=None))]
    args = ((result.get("invocation") or {}).get("module_args")) or task_args or {}
    return [change_entry(task, module, args, result)]


def tier_of(tags, role, tiers):
    """The tier a task belongs to: its one tier tag (site.yml tags each stack with its tier); the
    network stack, tagged with every tier, and anything else go by their role (or "site")."""
    matching = [tier for tier in tiers if tier in (tags or [])]
    if len(matching) == 1:
        return matching[0]
    return (role or "site").rpartition(".")[2]


# ---- the plan (pure) ------------------------------------------------------------------------------

def build_plan(entries, tiers):
    """The plan of one host from its recorded entries (each with ``tags`` and ``role``): counts per
    action, the changes grouped by tier (site.yml's order, then any other), and ``changes`` in order."""
    changes = []
    for entry in entries:
        change = {key: entry[key] for key in ("action", "task", "module", "resource", "fields", "diff")}
        change["tier"] = tier_of(entry.get("tags"), entry.get("role"), tiers)
        changes.append(change)
    order = list(tiers) + sorted({c["tier"] for c in changes} - set(tiers))
    by_tier = {tier: [c for c in changes if c["tier"] == tier] for tier in order}
    return {
        "changes": len(changes),
        "counts": {action: sum(1 for c in changes if c["action"] == action) for action in ACTIONS},
        "tiers": {tier: items for tier, items in by_tier.items() if items},
        "items": changes,
    }


def short(value):
    """``value`` as JSON when it is short enough for one line, else None."""
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= SHORT_VALUE else None


def change_line(change):
    """One change, on one line: symbol, module, resource, the fields that change, the task."""
    module = change["module"].rpartition(".")[2]
    what = " ".join(part for part in (module, change["resource"]) if part)
    details = []
    for path, values in change["fields"].items():
        old, new = short(values["before"]), short(values["after"])
        details.append(f"{path} {old} -> {new}" if old is not None and new is not None else path)
    fields = f" ({'; '.join(details)})" if details else ("" if change["diff"] else " (the module shows no diff)")
    return f"  {SYMBOLS[change['action']]} {change['action']} {what}{fields} - {change['task']}"


def summary_lines(plan, deployment, region):
    """The plan, readable: a headline, then the changes tier by tier."""
    if not plan["changes"]:
        return [f"No changes: {deployment} in {region} matches its inventory."]
    counts = plan["counts"]
    lines = [
        f"Plan for {deployment} in {region}: {plan['changes']} change{'s' if plan['changes'] != 1 else ''}"
        f" ({counts['create']} to create, {counts['change']} to change, {counts['remove']} to remove)"
    ]
    for tier, changes in plan["tiers"].items():
        lines.append(f"{tier}:")
        lines.extend(change_line(change) for change in changes)
    return lines
