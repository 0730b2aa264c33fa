# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: plan
version_added: 0.1.0
short_description: The changes the tasks of this run reported so far for the current host, grouped by tier
description:
  - Returns what the callback nestjs_playground.infra.plan recorded for the current host (C(inventory_hostname))
    up to the task that calls it - in C(playbooks/plan.yml), after the stacks ran in check mode, what
    C(site.yml) would create, change or remove.
  - Fails, naming the callback and how to enable it, when the callback is not enabled, so that a plan
    never reports "no changes" for want of a record.
options:
  tiers:
    description:
      - The tiers, in the order the plan lists them (site.yml's C(_site_tiers)). A task belongs to the one
        tier among its tags; others (the network stack, which carries every tier's tag) go by their role.
    type: list
    elements: str
    default: []
  deployment:
    description: The deployment's name, for the summary lines.
    type: str
    default: ""
  region:
    description: The AWS region, for the summary lines.
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: Show the plan
  ansible.builtin.debug:
    msg: "{{ lookup('nestjs_playground.infra.plan', tiers=['database', 'ecr', 'compute', 'scheduler']).lines }}"
"""

RETURN = r"""
_raw:
  description: One dict.
  type: list
  elements: dict
  contains:
    changes:
      description: How many changes.
      type: int
    counts:
      description: How many of them create, change and remove a resource (C(create), C(change), C(remove)).
      type: dict
    tiers:
      description: Tier -> its changes, in the order of O(tiers); tiers without a change are left out.
      type: dict
    items:
      description:
        - Every change, in the order the tasks ran - C(action) (create, change or remove), C(tier),
          C(task), C(module), C(resource) and C(fields) (dotted path -> C(before) and C(after)).
      type: list
      elements: dict
    lines:
      description: The plan as a short, readable summary, one line per change under its tier; one line when there is none.
      type: list
      elements: str
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.nestjs_playground.infra.plugins.plugin_utils import plan


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        host = (variables or {}).get("inventory_hostname")
        entries = plan.recorded(host)
        if entries is None:
            raise AnsibleLookupError(
                "The plan is collected by the callback nestjs_playground.infra.plan, which is not enabled: "
                "run from the project directory (its ansible.cfg enables it) or set "
                "ANSIBLE_CALLBACKS_ENABLED=nestjs_playground.infra.plan."
            )
        result = plan.build_plan(entries, self.get_option("tiers"))
        result["lines"] = plan.summary_lines(result, self.get_option("deployment"), self.get_option("region"))
        return [result]
