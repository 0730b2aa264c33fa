# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: cdk_environment
version_added: 0.1.0
short_description: The CDK app's CDK_* environment variables, as this collection's typed role variables
description:
  - Reads the controller's environment and returns, for every C(CDK_*) variable that names an input of one
    of this collection's roles, that input's name and the value converted to the type the role's argument
    specification gives (V(true)/V(false) as a boolean, numbers as numbers), so that a team holding the CDK
    app's C(.env) can run C(set -a; . ./.env; set +a; ansible-playbook site.yml -i inventories/dev) unchanged.
  - The name is the role variable's, upper-cased, with the C(CDK_) prefix (C(CDK_DATABASE_MIN_CAPACITY) sets
    C(database_min_capacity)), except C(CDK_ENVIRONMENT), C(CDK_ACCOUNT) and C(CDK_REGION), which set
    C(environment_name), C(aws_account_id) and C(aws_region).
  - "A dict input takes a JSON object, for example C(CDK_DATABASE_CLUSTER_PARAMETERS='{\"log_min_duration_statement\": \"500\"}')."
  - An empty value sets a text variable to the empty string (C(CDK_SCHEDULE_TASK_CLEANUP_CRON=) switches the
    scheduler off, as it does in the CDK app) and leaves a number, a boolean or a dict unset.
  - The role nestjs_playground.infra.config applies the result with C(set_fact), which puts it above role
    defaults and the inventory and below extra vars (C(-e)).
  - A C(CDK_*) value that contradicts the inventory's own value of the same variable (its group_vars or host
    variables for the host at hand; role defaults are not the inventory) is returned in RV(_raw.contradictions), and the
    config role refuses the run before any AWS call - a C(.env) sourced for one environment never silently
    rebuilds another. A variable also given with C(-e) is no contradiction (C(-e) wins, on purpose).
options: {}
"""

EXAMPLES = r"""
- name: Show what the environment sets
  ansible.builtin.debug:
    msg: "{{ lookup('nestjs_playground.infra.cdk_environment') }}"
"""

RETURN = r"""
_raw:
  description: One dict.
  type: list
  elements: dict
  contains:
    vars:
      description: Role variable name -> typed value, for every usable CDK_* variable.
      type: dict
    sources:
      description: Role variable name -> the CDK_* variable it came from.
      type: dict
    unknown:
      description: CDK_* variables that name no input of the collection's roles (ignored).
      type: list
    problems:
      description: One sentence for each CDK_* value that cannot be converted to its variable's type.
      type: list
    contradictions:
      description:
        - One sentence for each CDK_* value that differs from the inventory's own value of its variable (not given
          with C(-e)), naming the CDK_* variable, its value, the inventory's value and the ways out.
      type: list
"""

import glob
import json
import math
import os
import re
import shlex

from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display
from ansible.utils.vars import load_extra_vars
from ansible_collections.nestjs_playground.infra.plugins.plugin_utils.inputs import load_yaml

display = Display()

PREFIX = "CDK_"
# The specification's three names that do not follow the CDK_<VARIABLE> rule.
RENAMED = {"CDK_ENVIRONMENT": "environment_name", "CDK_ACCOUNT": "aws_account_id", "CDK_REGION": "aws_region"}
# Set by the CDK CLI itself, not by the app's .env: never a typo worth a warning.
CDK_CLI_VARIABLES = re.compile(r"^CDK_(DEFAULT_|CLI_|DISABLE_|DOCKER|HOME|OUTDIR|CONTEXT_JSON|DEBUG|NEW_BOOTSTRAP|TOOLKIT)")
TRUE = {"true", "yes", "on", "1"}
FALSE = {"false", "no", "off", "0"}
COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def role_input_types(root=COLLECTION_ROOT):
    """Every input of every role's main entry point -> its type (str when the spec gives none)."""
    types = {}
    for path in sorted(glob.glob(os.path.join(root, "roles", "*", "meta", "argument_specs.yml"))):
        specs = load_yaml(path) or {}
        options = (specs.get("argument_specs") or {}).get("main", {}).get("options") or {}
        for name, option in options.items():
            types.setdefault(name, (option or {}).get("type", "str"))
    return types


def variable_name(cdk_name):
    return RENAMED.get(cdk_name) or cdk_name[len(PREFIX):].lower()


def convert(value, kind):
    """(converted value, None) or (None, what is wrong). Raises nothing."""
    text = value.strip()
    if kind == "bool":
        if text.lower() in TRUE:
            return True, None
        if text.lower() in FALSE:
            return False, None
        return None, "is not a boolean: use true or false"
    if kind == "int":
        if re.fullmatch(r"[+-]?\d+", text):
            return int(text), None
        return None, "is not a whole number"
    if kind == "float":
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if math.isfinite(number):
            return number, None
        return None, "is not a number"
    if kind == "dict":
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            return parsed, None
        return None, 'is not a JSON object: use {"name": "value", ...}'
    return value, None


def cdk_variables(environ, types):
    """The CDK_* variables of ``environ`` as typed role variables (see RETURN)."""
    result = {"vars": {}, "sources": {}, "unknown": [], "problems": []}
    for cdk_name in sorted(name for name in environ if name.startswith(PREFIX)):
        name, value = variable_name(cdk_name), environ[cdk_name]
        if name not in types:
            if not CDK_CLI_VARIABLES.match(cdk_name):
                result["unknown"].append(cdk_name)
            continue
        kind = types[name]
        if value.strip() == "" and kind in ("bool", "int", "float", "dict"):
            continue
        converted, problem = convert(value, kind)
        if problem:
            result["problems"].append(f"{cdk_name} '{value}' (it sets {name}) {problem}.")
            continue
        result["vars"][name] = converted
        result["sources"][name] = cdk_name
    return result


def _same(cdk_value, inventory_value, kind):
    """Whether the inventory's value says what the CDK_* value says (read as the variable's type)."""
    if kind == "bool" and not isinstance(inventory_value, bool) and inventory_value is not None:
        inventory_value = str(inventory_value)   # 1, "yes", "on": read as Ansible reads a boolean
    if kind in ("bool", "int", "float", "dict") and isinstance(inventory_value, str):
        inventory_value, problem = convert(inventory_value, kind)
        if problem:
            return False
    if kind == "bool":
        return isinstance(inventory_value, bool) and inventory_value == cdk_value
    if kind in ("int", "float"):
        return not isinstance(inventory_value, bool) and isinstance(inventory_value, (int, float)) and inventory_value == cdk_value
    if kind == "dict":
        return isinstance(inventory_value, dict) and json.dumps(inventory_value, sort_keys=True, default=str) == json.dumps(
            cdk_value, sort_keys=True, default=str)
    # text: an unset (null) value and an empty one both mean "none" (CDK_SCHEDULE_TASK_CLEANUP_CRON= and a null cron)
    return ("" if inventory_value is None else str(inventory_value)) == cdk_value


def _shown(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, default=str)
    return "" if value is None else str(value)


def _override(name, value):
    """The -e argument that sets ``name`` to ``value`` on purpose, quoted for a shell."""
    if isinstance(value, dict):
        return "-e " + shlex.quote(json.dumps({name: value}, sort_keys=True))
    return "-e " + shlex.quote(f"{name}={_shown(value)}")


def contradictions(result, inventory, extra_vars, types):
    """One sentence for each variable ``result`` (of cdk_variables) sets to another value than ``inventory`` (the
    inventory's own values for the host: group_vars and host variables, templated) gives it, unless ``extra_vars``
    (the names given with -e) holds it: -e overrides both on purpose."""
    found = []
    for name, value in sorted(result["vars"].items()):
        if name in extra_vars or name not in inventory or _same(value, inventory[name], types.get(name, "str")):
            continue
        cdk_name = result["sources"][name]
        found.append(
            f"{cdk_name} '{_shown(value)}' contradicts the inventory's {name} '{_shown(inventory[name])}': unset {cdk_name} "
            f"(a .env sourced for another environment?) or make the two agree; to override the inventory on purpose, "
            f"pass {_override(name, value)} instead."
        )
    return found


class LookupModule(LookupBase):
    def _inventory_values(self, variables, names):
        """The inventory's own value of each of ``names`` for the host at hand, templated: hostvars hold the
        inventory (group_vars, host variables), facts and extra vars, never role defaults or play vars."""
        host = (variables or {}).get("inventory_hostname")
        hostvars = (variables or {}).get("hostvars")
        if host is None or hostvars is None:
            return {}
        own = hostvars.raw_get(host)
        values = {}
        for name in names:
            if name in own:
                try:
                    values[name] = self._templar.template(own[name])
                except AnsibleError:
                    continue   # derives from something this play has not defined: nothing to compare
        return values

    def run(self, terms, variables=None, **kwargs):
        types = role_input_types()
        result = cdk_variables(dict(os.environ), types)
        inventory = self._inventory_values(variables, result["vars"])
        result["contradictions"] = contradictions(result, inventory, set(load_extra_vars(self._loader)), types)
        if result["unknown"]:
            display.warning(
                "Ignored environment variable(s) that name no input of nestjs_playground.infra: "
                + ", ".join(result["unknown"])
                + ". CDK_<NAME> sets the role variable <name> (see ansible-doc -t role nestjs_playground.infra.<role>)."
            )
        return [result]
