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
"""

import glob
import json
import math
import os
import re

from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display
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


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        result = cdk_variables(dict(os.environ), role_input_types())
        if result["unknown"]:
            display.warning(
                "Ignored environment variable(s) that name no input of nestjs_playground.infra: "
                + ", ".join(result["unknown"])
                + ". CDK_<NAME> sets the role variable <name> (see ansible-doc -t role nestjs_playground.infra.<role>)."
            )
        return [result]
