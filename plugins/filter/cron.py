# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: cron_problems
version_added: 0.1.0
short_description: Why a value is not a cron expression the scheduled tasks accept
description:
  - Returns a list of sentences, empty when the value is valid, naming the variable and the value and
    saying what is allowed.
  - A valid expression has 5 fields (minute, hour, day of month, month, day of week), as the
    specification's C(CDK_SCHEDULE_TASK_CLEANUP_CRON) example "0 2 * * *", or 6 fields with the
    seconds first, as the application's scheduler also accepts.
  - Each field is C(*), a number, a range C(a-b), a step C(*/n) or C(a-b/n), or a comma-separated list
    of these. Ranges - seconds and minutes 0-59, hours 0-23, day of month 1-31, month 1-12 or JAN-DEC,
    day of week 0-7 (0 and 7 are Sunday) or SUN-SAT; names in any case. A range must not run backwards
    and a step must be at least 1.
positional: var_name
options:
  _input:
    description: The cron expression.
    type: str
    required: true
  var_name:
    description: The name of the variable, for the message.
    type: str
    default: schedule_task_cleanup_cron
"""

EXAMPLES = r"""
problems: "{{ schedule_task_cleanup_cron | nestjs_playground.infra.cron_problems('schedule_task_cleanup_cron') }}"
"""

RETURN = r"""
_value:
  description: One sentence per problem; empty when the expression is valid.
  type: list
  elements: str
"""

import re

MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

# (name, lowest, highest, names -> number)
SECOND = ("second", 0, 59, {})
FIELDS = [
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, {name: number for number, name in enumerate(MONTHS, 1)}),
    ("day of week", 0, 7, {name: number for number, name in enumerate(WEEKDAYS)}),
]

ALLOWED = (
    "It must have 5 fields (minute hour day-of-month month day-of-week, like '0 2 * * *') or 6 with the "
    "seconds first; each field is *, a number, a range a-b, a step */n or a-b/n, or a comma-separated "
    "list of these, within seconds 0-59, minutes 0-59, hours 0-23, day of month 1-31, month 1-12 or "
    "JAN-DEC, day of week 0-7 or SUN-SAT."
)

_ITEM = re.compile(r"^(?:(?P<star>\*)|(?P<low>[0-9A-Za-z]+)(?:-(?P<high>[0-9A-Za-z]+))?)(?:/(?P<step>[0-9]+))?$")


def _number(token, field):
    """The number a field's token stands for, or None."""
    name, lowest, highest, names = field
    if token.isdigit():
        return int(token)
    return names.get(token.upper())


def _item_problem(item, field):
    """Why one comma-separated item of a field is not valid, or None."""
    name, lowest, highest, names = field
    match = _ITEM.match(item)
    if not match:
        return f"'{item}' is not *, a number, a range a-b or a step */n or a-b/n"
    if match["step"] is not None:
        if match["low"] is not None and match["high"] is None:
            return f"'{item}' steps from a single value: write a range a-b/n or */n"
        if int(match["step"]) < 1:
            return f"'{item}' has a step of 0: the step must be at least 1"
    if match["star"]:
        return None
    bounds = []
    for token in (match["low"], match["high"]):
        if token is None:
            continue
        number = _number(token, field)
        if number is None:
            allowed_names = f" or {', '.join(names)}" if names else ""
            return f"'{token}' is not a number{allowed_names}"
        if not lowest <= number <= highest:
            return f"{number} is out of range: the {name} must be {lowest}-{highest}"
        bounds.append(number)
    if len(bounds) == 2 and bounds[0] > bounds[1]:
        return f"the range '{item}' runs backwards: write the lower bound first"
    return None


def cron_problems(value, var_name="schedule_task_cleanup_cron"):
    text = "" if value is None else str(value)
    prefix = f"{var_name} '{text}' is not a valid cron expression"
    fields = text.split()
    if not fields:
        return [f"{prefix}: it is empty. {ALLOWED}"]
    if len(fields) not in (5, 6):
        return [f"{prefix}: it has {len(fields)} field(s). {ALLOWED}"]
    kinds = ([SECOND] if len(fields) == 6 else []) + FIELDS
    problems = []
    for token, field in zip(fields, kinds):
        for item in token.split(","):
            problem = _item_problem(item, field)
            if problem:
                problems.append(f"{prefix}: in the {field[0]} field '{token}', {problem}. {ALLOWED}")
                break
    return problems


class FilterModule:
    def filters(self):
        return {"cron_problems": cron_problems}
