# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: input_problems
version_added: 0.1.0
short_description: Every problem with the inputs of this collection's roles, before any AWS call
description:
  - Reads the play's variables (role defaults, inventory, C(CDK_*) variables applied by
    nestjs_playground.infra.config, extra vars) for every input of the roles named, and returns one sentence
    per problem, each naming the variable, its value and what is allowed, all of them at once.
  - Checks the type and choices each role's C(meta/argument_specs.yml) declares, and the rules a type cannot
    say - capacity ranges and minimum not above maximum (database and service), Fargate CPU/memory pairs (both
    task definitions), the cron expression, names usable in every AWS name derived from C(app_name) and
    C(environment_name) (load balancer and target group names at most 32 characters, IAM role names at most 64,
    the Aurora cluster's rules), ports, the JWT expiry format, CORS origins, the region, the account id's form,
    the log retention periods CloudWatch allows, the shape of the network ids, and the alarm
    settings (topic ARN, e-mail addresses, thresholds) while C(monitoring_enabled) is true.
  - Whether the VPC, zone, certificate and JWT parameter exist, and whether the credentials belong to
    C(aws_account_id), are read-only AWS checks of the module nestjs_playground.infra.imported_network_info.
  - The rules themselves are stated once, per option, in the C(meta/input_rules.yml) of the role that owns it;
    plugins/plugin_utils/inputs.py knows their kinds.
  - A variable that is not defined in the play (its role is not part of it) is not checked; a resource name that is
    not set is checked as the config role derived it (the fact C(deployment), C(names)).
options:
  _terms:
    description:
      - The roles whose inputs are checked, by short name or fully qualified; all of the collection's roles when none is named.
    type: list
    elements: str
  of_this_collection_only:
    description:
      - Skip the roles named that are not this collection's (the config role passes the play's C(ansible_role_names));
        without it such a name is an error.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Check every input before any AWS call
  ansible.builtin.assert:
    that: _problems | length == 0
    fail_msg: "{{ (['The inputs are not usable:'] + _problems) | join('\n- ') }}"
  vars:
    _problems: "{{ lookup('nestjs_playground.infra.input_problems', wantlist=True) }}"
"""

RETURN = r"""
_raw:
  description: One sentence per problem; empty when every input is usable.
  type: list
  elements: str
"""

from ansible.errors import AnsibleError
from ansible.errors import AnsibleUndefinedVariable
from ansible.plugins.lookup import LookupBase
from ansible_collections.nestjs_playground.infra.plugins.plugin_utils.inputs import ROLES
from ansible_collections.nestjs_playground.infra.plugins.plugin_utils.inputs import input_problems
from ansible_collections.nestjs_playground.infra.plugins.plugin_utils.inputs import load_specs
from ansible_collections.nestjs_playground.infra.plugins.plugin_utils.inputs import rule_inputs


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        roles = tuple(role.removeprefix("nestjs_playground.infra.") for role in terms)
        if kwargs.get("of_this_collection_only"):
            roles = tuple(role for role in roles if role in ROLES)
            if not roles:
                return []
        roles = roles or ROLES
        unknown = [role for role in roles if role not in ROLES]
        if unknown:
            raise AnsibleError(f"input_problems: unknown role(s) {', '.join(unknown)}; known: {', '.join(ROLES)}")
        specs = load_specs()
        names = {name for role in roles for name in specs.get(role, {})}
        names.update(rule_inputs(specs, roles))   # what their rules read besides: scheduler_enabled, aws_region...
        variables = variables or {}
        # A resource name not set by hand is the one the config role derived (the fact deployment, names).
        derived = self._templar.template(variables["deployment"]).get("names", {}) if "deployment" in variables else {}
        values = {}
        for name in sorted(names):
            if name not in variables:
                if name in derived:
                    values[name] = derived[name]
                continue
            try:
                values[name] = self._templar.template(variables[name])
            except AnsibleUndefinedVariable:
                continue   # derives from something this play has not defined (yet)
        return input_problems(values, specs, roles)
