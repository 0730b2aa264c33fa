# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: plan
type: aggregate
version_added: 0.1.0
short_description: Records what each task changed (or would change), for plan.yml's report
description:
  - Records, for every host, each task result that reports C(changed) - the task's name, its module, the
    resource its arguments name, its tier (the tier tag site.yml gives each stack) and the fields its
    C(diff) shows changing. It prints nothing.
  - C(playbooks/plan.yml) runs the stacks of C(site.yml) in check mode and reads the record with the
    lookup nestjs_playground.infra.plan to print the plan, write the plan file and fail on changes
    when asked; that lookup fails, naming this callback, when it is not enabled.
  - Results of tasks with C(no_log) are recorded without their diff, as Ansible hands them to callbacks
    censored.
  - The project's C(ansible.cfg) enables it (C(callbacks_enabled)); elsewhere set
    C(ANSIBLE_CALLBACKS_ENABLED=nestjs_playground.infra.plan).
author:
  - NestJS Playground platform team (!UNKNOWN)
requirements:
  - Enabled in the configuration (C(callbacks_enabled)).
"""

from ansible.plugins.callback import CallbackBase

from ansible_collections.nestjs_playground.infra.plugins.plugin_utils import plan


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "nestjs_playground.infra.plan"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None, options=None):
        super().__init__(display=display, options=options)
        plan.activate()

    def v2_runner_on_ok(self, result):
        task = result.task
        if not result.result.get("changed"):
            return
        fields = result.task_fields or {}
        role = task._role.get_name() if getattr(task, "_role", None) else None  # pylint: disable=protected-access
        entries = plan.change_entries(
            task.get_name().rpartition(" : ")[2],
            getattr(task, "resolved_action", None) or task.action,
            fields.get("args") or {},
            result.result,
        )
        for entry in entries:
            entry["tags"] = sorted(task.tags or [])
            entry["role"] = role
        plan.record(result.host.get_name(), entries)
