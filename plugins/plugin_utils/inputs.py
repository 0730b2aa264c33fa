# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one checker of this collection's inputs, run on the controller before any AWS call.

Every rule is stated once, beside the role that owns the option it constrains: ``roles/<role>/meta/input_rules.yml``
lists, per option of the role's main entry point, its rules (ansible-lint's schema of an argument spec allows no key
of our own, or they would sit in the option itself). This module only knows the kinds of rule. An option's rules
run in order, and the first that finds a problem ends them (a value that is not a port is not also too long):

- ``pattern`` (with ``says``): the value, as text, must match the whole regular expression;
- ``forbid`` (with ``says``): the value must not contain this text;
- ``range: [low, high]`` (with ``what``, or ``says``): a whole number from low to high;
- ``number`` (with ``says``): a number within ``gt``/``ge``/``lt``/``le`` (``whole: true`` for an int);
- ``acus``: Aurora capacity units (``low``, ``allow_zero``); ``log_retention``: a CloudWatch Logs retention;
  ``region``: a region of an AWS partition; ``cron``: a cron expression; ``max_length`` (with ``what``, the
  resource the value names): AWS's longest name;
- ``required`` (with ``what``): the value must be set (``true``, or the name of an option whose being set
  makes this one required);
- ``check``: a rule that reads more than the value (the other option in ``other``), written by hand in
  CHECKS below, the only hand-written rules.

Common keys: ``when`` (the rule applies only while that option is on, or, as a mapping, equals that value;
an option not defined reads as its spec's default), ``empty_ok`` (an empty value is not checked),
``hide_value`` (the message does not repeat the value). Before any rule, the option's type and choices are
checked as Ansible would (``type_problems``); an option of the wrong type is not checked further, nor are
the ``check`` rules that read it, so that each bad input yields one message.

``input_problems(values, specs, roles)`` returns one sentence per problem, each naming the variable, its
value and what is allowed; the lookup ``nestjs_playground.infra.input_problems`` feeds it the play's
variables. Pure Python, no AWS: unit-tested in tests/unit/plugins/plugin_utils/test_inputs.py.
"""

import glob
import importlib.util
import json
import math
import os
import re

import yaml

from ansible.module_utils.common.validation import check_type_bool
from ansible.module_utils.common.validation import check_type_float
from ansible.module_utils.common.validation import check_type_int
from ansible_collections.nestjs_playground.infra.plugins.filter.cron import cron_problems
from ansible_collections.nestjs_playground.infra.plugins.filter.fargate import fargate_size_problems

COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
ROLES = ("config", "network_lookup", "aurora", "ecr", "ecs_service", "ecs_scheduler", "monitoring")

# CloudWatch Logs' allowed retention periods, in days.
LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}$")
PARAMETER_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.]*$")
EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")
ROLE_ARN = re.compile(r"arn:aws(?:-[a-z]+)*:iam::([0-9]{12}):role/[A-Za-z0-9_+=,.@/-]{1,512}")
# A CloudWatch alarm evaluates at most a day of one-minute periods; a filter pattern has at most 1024 characters.
ALARM_MINUTES = 1440
FILTER_PATTERN_LENGTH = 1024


def load_yaml(path):
    """The YAML document at ``path``, read with libyaml when PyYAML has it (ten times faster: every role's input
    check reads all the argument specs again), else with the pure-Python loader."""
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=SAFE_LOADER)  # nosec B506 - a safe loader either way


def load_specs(root=COLLECTION_ROOT):
    """{role: {option: spec}} of every role's main entry point, each option's ``rules`` (meta/input_rules.yml) in its spec."""
    specs = {}
    for path in sorted(glob.glob(os.path.join(root, "roles", "*", "meta", "argument_specs.yml"))):
        document = load_yaml(path) or {}
        role = os.path.basename(os.path.dirname(os.path.dirname(path)))
        options = ((document.get("argument_specs") or {}).get("main") or {}).get("options") or {}
        rules_path = os.path.join(os.path.dirname(path), "input_rules.yml")
        rules = (load_yaml(rules_path) or {}) if os.path.exists(rules_path) else {}
        unknown = sorted(set(rules) - set(options))
        if unknown:
            raise ValueError(f"{rules_path}: rules for {', '.join(unknown)}, which the role's main entry point does not declare")
        specs[role] = {name: dict(option or {}, rules=rules[name]) if name in rules else option for name, option in options.items()}
    return specs


def rule_inputs(specs, roles=ROLES):
    """The names the rules of ``roles`` read besides their own options (``when`` and ``other``)."""
    names = set()
    for role in roles:
        for option in (specs.get(role) or {}).values():
            for rule in (option or {}).get("rules") or []:
                when = rule.get("when")
                names.update(when if isinstance(when, dict) else [when] if when else [])
                names.update([rule["other"]] if rule.get("other") else [])
    return names


def _is_set(value):
    return value is not None and not (isinstance(value, str) and value.strip() == "")


def _number(value, kind):
    """The value as ``kind`` (int or float) the way Ansible's argument spec reads it, or None."""
    if isinstance(value, bool):
        return None
    try:
        number = check_type_int(value) if kind == "int" else check_type_float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _on(value):
    """A switch as Ansible reads it (true, yes, on, 1...); anything else, or nothing, is off."""
    try:
        return value is not None and check_type_bool(value)
    except TypeError:
        return False


def _invalid(name, value, says, rule=None):
    shown = "" if (rule or {}).get("hide_value") else f" '{value}'"
    return f"{name}{shown} is not valid: {says}"


def type_problems(name, value, option):
    kind = option.get("type", "str")
    if value is None:
        return []
    if kind in ("int", "float") and _number(value, kind) is None:
        what = "a whole number" if kind == "int" else "a number"
        return [f"{name} '{value}' is not valid: it must be {what}."]
    if kind == "bool":
        try:
            check_type_bool(value)
        except TypeError:
            return [f"{name} '{value}' is not valid: it must be true or false."]
    choices = option.get("choices")
    if choices and value not in choices:
        return [f"{name} '{value}' is not valid: it must be one of {', '.join(str(c) for c in choices)}."]
    return []


# The kinds of rule on one value: (name, value, rule) -> problems.

def _pattern(name, value, rule):
    return [] if re.fullmatch(rule["pattern"], str(value)) else [_invalid(name, value, rule["says"], rule)]


def _forbid(name, value, rule):
    return [_invalid(name, value, rule["says"], rule)] if rule["forbid"] in str(value) else []


def _range(name, value, rule):
    low, high = rule["range"]
    number = _number(value, "int")
    if number is not None and low <= number <= high:
        return []
    return [_invalid(name, value, rule.get("says") or f"it must be {rule['what']} from {low} to {high}.", rule)]


BOUNDS = {"gt": lambda n, b: n > b, "ge": lambda n, b: n >= b, "lt": lambda n, b: n < b, "le": lambda n, b: n <= b}


def _number_rule(name, value, rule):
    bounds = rule["number"]
    number = _number(value, "int" if bounds.get("whole") else "float")
    if number is not None and all(BOUNDS[key](number, bound) for key, bound in bounds.items() if key in BOUNDS):
        return []
    return [_invalid(name, value, rule["says"], rule)]


def _acus(name, value, rule):
    low, allow_zero = rule["acus"]["low"], rule["acus"].get("allow_zero", False)
    number = _number(value, "float")
    if number is None:
        return [f"{name} '{value}' is not a number of ACUs."]
    if allow_zero and number == 0:
        return []
    if number < low or number > 16 or number * 2 != round(number * 2):
        return [_invalid(name, value, f"it must be {low:g} to 16 in steps of 0.5" + (", or 0 to pause when idle." if allow_zero else "."))]
    return []


def _log_retention(name, value, rule):
    if _number(value, "int") in LOG_RETENTION_DAYS:
        return []
    return [_invalid(name, value, f"CloudWatch Logs keeps logs {', '.join(map(str, LOG_RETENTION_DAYS[:-1]))} or {LOG_RETENTION_DAYS[-1]} days.")]


def _region(name, value, rule):
    ok = isinstance(value, str) and REGION.match(value) and value in known_regions()
    return [] if ok else [_invalid(name, value, rule["says"], rule)]


def _cron(name, value, rule):
    return cron_problems(value, name)


def _max_length(name, value, rule):
    if not isinstance(value, str) or len(value) <= rule["max_length"]:
        return []
    return [_invalid(name, value, f"{rule['what']} takes at most {rule['max_length']} characters and this is {len(value)} "
                                  "(shorten app_name or environment_name, or set the name itself).")]


KINDS = {"pattern": _pattern, "forbid": _forbid, "range": _range, "number": _number_rule, "acus": _acus,
         "log_retention": _log_retention, "region": _region, "cron": _cron, "max_length": _max_length}


# The hand-written rules, each named by the ``check`` of the option it belongs to: (name, values, rule) -> problems.
# They read more than the one value, or report more than one sentence.

def production_switch(name, v, rule):
    """environment_name: a production-sounding name without the production switch would get the protections of
    a test environment (1-day backups, no deletion protection, a teardown that deletes it)."""
    environment = v.get(name)
    production = v.get(rule["other"], environment == "prd")   # the config role's default, where it is not in the play
    if not isinstance(environment, str) or not reads_as_production(environment) or _on(production):
        return []
    shown = str(production).lower() if isinstance(production, bool) else production
    return [
        f"{name} '{environment}' reads as a production environment (one of its hyphen-separated words is "
        f"{', '.join(PRODUCTION_WORDS[:-1])} or {PRODUCTION_WORDS[-1]}, not after pre- or non-), "
        f"but production is '{shown}': set production: true (CDK_PRODUCTION=true) to give it the production "
        "protections (7-day backups, deletion protection, 30-day logs, a teardown that keeps the data), or rename "
        "the environment."
    ]


def role_in_account(name, v, rule):
    """aws_assume_role_arn: with aws_account_id set, a role of that account."""
    role, account = v.get(name), v.get(rule["other"])
    found = ROLE_ARN.fullmatch(str(role))
    if not (found and _is_set(account)) or found.group(1) == str(account):
        return []
    return [f"{name} '{role}' is a role of account {found.group(1)}, not of {rule['other']} '{account}': assume a role of "
            f"that account, or correct {rule['other']}."]


def minimum_not_above(name, v, rule):
    """A minimum (capacity, count) not above its maximum, ``other``."""
    low, high = _number(v[name], "float"), _number(v[rule["other"]], "float")
    if low is None or high is None or low <= high:
        return []
    return [f"{name} '{v[name]}' is above {rule['other']} '{v[rule['other']]}': the minimum must not exceed the maximum."]


def fargate_size(name, v, rule):
    """A task's CPU units (this option) and memory (``other``): a pair Fargate offers."""
    return fargate_size_problems([v[name], v[rule["other"]]], name, rule["other"])


def within_task(name, v, rule):
    """The X-Ray sidecar's budget comes out of the task's size (``other``): it must leave room for the application."""
    value, task = _number(v[name], "int"), _number(v[rule["other"]], "int")
    if value is None or task is None or value < task:
        return []
    return [_invalid(name, v[name], "the X-Ray daemon's budget comes out of the task's size and must leave room for the "
                                    f"application, so it must be less than {rule['other']} '{v[rule['other']]}'.")]


def another_region(name, v, rule):
    """The snapshot copies go to another region than the deployment's (``other``)."""
    if v[name] != v.get(rule["other"]):
        return []
    return [f"{name} '{v[name]}' is the deployment's own region ({rule['other']}): the copies must go to another region."]


def cluster_parameters(name, parameters, rule):
    """database_cluster_parameters: name -> one value each; rds.force_ssl may only say 1 (spec: Data Security)."""
    parameters = parameters.get(name)
    if parameters is None or parameters == "":
        return []
    if not isinstance(parameters, dict):
        return [f"{name} '{parameters}' is not valid: it must be a dict of cluster parameters, name: value, "
                "like {log_min_duration_statement: 500}."]
    problems = []
    for key, value in parameters.items():
        if not isinstance(key, str) or not PARAMETER_NAME.match(key):
            problems.append(f"{name} has the name '{key}', which is not a parameter name: letters, digits, "
                            "'_' and '.', starting with a letter.")
        elif value is None or isinstance(value, (dict, list, tuple, set)):
            problems.append(f"{name}.{key} '{value}' is not valid: a parameter's value is one number or string "
                            "(a list as one comma-separated string).")
        elif key == "rds.force_ssl" and str(value).lower() not in ("1", "true", "on"):
            problems.append(f"{name}.rds.force_ssl '{value}' is not allowed: the cluster always refuses plaintext "
                            "connections (rds.force_ssl = 1, spec: Data Security); leave it out.")
    return problems


def alarm_emails(value):
    """monitoring_alarm_emails as a list of addresses: a list, or a comma-separated string (a CDK_* variable)."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else value
    return [str(item).strip() for item in items if str(item).strip()]


def email_addresses(name, v, rule):
    """Each address is an e-mail address; none goes with an existing topic (``other``), whose subscribers are its owner's."""
    emails = alarm_emails(v.get(name))
    problems = [f"{name} holds '{email}', which is not valid: it must list e-mail addresses like oncall@example.com."
                for email in emails if not EMAIL.match(email)]
    if _is_set(v.get(rule["other"])) and emails:
        problems.append(
            f"{name} ({', '.join(emails)}) is not valid with {rule['other']}: the addresses subscribe to the "
            "topic this role creates, and an existing topic's subscribers are its owner's - subscribe them there, or leave "
            f"{rule['other']} empty."
        )
    return problems


def sns_topic_arn(name, v, rule):
    """An existing standard topic's ARN, or empty for the role's own (``other``: its name)."""
    arn = v.get(name)
    if not _is_set(arn) or (isinstance(arn, str) and re.fullmatch(rule["pattern"], arn.strip())):
        return []
    return [_invalid(name, arn, "it must be the ARN of a standard SNS topic, arn:aws:sns:<region>:<account id>:<topic name>, or "
                                f"empty to let the role create {v.get(rule['other'], 'its own topic')}.")]


def filter_pattern(name, v, rule):
    """A metric filter pattern that is not empty (it would count every line) and that CloudWatch Logs takes."""
    pattern = v.get(name)
    if not _is_set(pattern):
        says = 'an empty pattern counts every log line; it must match the error lines, like { ($.level = "error") || ($.level = "fatal") }.'
        return [_invalid(name, pattern if pattern is not None else "", says)]
    if isinstance(pattern, str) and len(pattern) > FILTER_PATTERN_LENGTH:
        says = f"CloudWatch Logs takes at most {FILTER_PATTERN_LENGTH} characters and this is {len(pattern)}."
        return [_invalid(name, f"{pattern[:40]}...", says)]
    return []


def minutes_of_window(name, v, rule):
    """The scheduler-task-exits alarm: M minutes out of a window of N one-minute periods (``other``), 1 <= M <= N."""
    minutes, window = _number(v[name], "int"), _number(v.get(rule["other"]), "int")
    if window is not None and not 1 <= window <= ALARM_MINUTES:
        window = None   # its own rule says so
    if minutes is None or (minutes >= 1 and (window is None or minutes <= window)):
        return []
    upper = f"{rule['other']} ({window})" if window is not None else "the window"
    return [_invalid(name, v[name], f"it must be a whole number of minutes from 1 to {upper}.")]


CHECKS = {check.__name__: check for check in (
    production_switch, role_in_account, minimum_not_above, fargate_size, within_task, another_region, cluster_parameters,
    email_addresses, sns_topic_arn, filter_pattern, minutes_of_window)}


# An environment name reads as production when one of its hyphen-separated words is one of these, unless
# the word before it is "pre" or "non" (pre-prod and non-prod are not production): prd, prod, production,
# live, prod-eu, eu-live, payments-prd... Such a name must come with production: true (or be renamed).
PRODUCTION_WORDS = ("prd", "prod", "production", "live")
NOT_PRODUCTION_BEFORE = ("pre", "non")


def reads_as_production(environment_name):
    """Whether ``environment_name`` reads as a production environment's name (see PRODUCTION_WORDS)."""
    words = str(environment_name).lower().split("-")
    return any(word in PRODUCTION_WORDS and (index == 0 or words[index - 1] not in NOT_PRODUCTION_BEFORE)
               for index, word in enumerate(words))


def _applies(rule, values, options):
    """Whether the rule's ``when`` holds: a switch that is on (a text option: that is set), or options equal to the
    numbers given. An option not defined reads as its spec's default."""
    when = rule.get("when")
    if not when:
        return True

    def value(name):
        return values.get(name, (options.get(name) or {}).get("default"))

    if isinstance(when, dict):
        return all(_number(value(name), "float") == _number(expected, "float") for name, expected in when.items())
    if (options.get(when) or {}).get("type") != "bool" and not isinstance(value(when), bool):   # scheduler_enabled is derived
        return _is_set(value(when))
    return _on(value(when))   # not a boolean: off, and its type check says so


def _required(name, values, rule):
    """A value that must be set: always (``required: true``), or while the option ``required`` names is defined."""
    needed = rule["required"] is True or rule["required"] in values or name in values
    if needed and not _is_set(values.get(name)):
        return [f"{name} is not set: set it in the inventory (group_vars) or with -e {name}=... to {rule['what']}."]
    return []


def _rule_problems(name, rule, values):
    if "required" in rule:
        problems = _required(name, values, rule)
        if problems or not _is_set(values.get(name)):
            return problems
        return _pattern(name, values[name], dict(rule, says=f"it must be {rule['what']}.")) if "pattern" in rule else []
    if name not in values or values[name] is None or (rule.get("empty_ok") and not _is_set(values[name])):
        return []
    kind = next(key for key in KINDS if key in rule)
    return KINDS[kind](name, values[name], rule)


def input_problems(values, specs, roles=ROLES):
    """Every problem with ``values`` (the defined variables, templated) for the inputs of ``roles``: each option's
    type, then its own rules, then the hand-written ``check`` rules whose inputs are all usable."""
    options = {name: option or {} for role in roles for name, option in (specs.get(role) or {}).items()}
    problems, unusable = [], set()
    for name, option in options.items():
        found = type_problems(name, values[name], option) if name in values else []
        for rule in [] if found else option.get("rules") or []:
            if "check" in rule or not _applies(rule, values, options):
                continue
            found = _rule_problems(name, rule, values)
            if found:
                break
        unusable.update([name] if found or name not in values else [])
        problems += found
    for name, option in options.items():
        for rule in option.get("rules") or []:
            reads = [name] + ([rule["other"]] if rule.get("other") and rule.get("other_required", True) else [])
            if "check" in rule and _applies(rule, values, options) and not unusable.intersection(reads):
                problems += [problem for problem in CHECKS[rule["check"]](name, values, rule) if problem not in problems]
    return problems


_REGIONS = []


def known_regions():
    """Every region of every AWS partition, from botocore's own endpoint data (no AWS call).

    Read as plain JSON from botocore's data directory, where ``endpoints.json`` lists each partition's
    regions: importing ``botocore.session`` and asking it (``get_available_regions``) costs 0.5 s in a
    worker that has not imported botocore yet, most of it loading EC2's service model, for the same list.
    botocore's loader is the fallback should the file move."""
    if not _REGIONS:
        spec = importlib.util.find_spec("botocore")
        path = os.path.join(spec.submodule_search_locations[0], "data", "endpoints.json") if spec else ""
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as handle:
                endpoints = json.load(handle)
        else:
            import botocore.loaders  # pylint: disable=import-outside-toplevel

            endpoints = botocore.loaders.create_loader().load_data("endpoints")
        for partition in endpoints["partitions"]:
            _REGIONS.extend(partition["regions"])
    return _REGIONS
