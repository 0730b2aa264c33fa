# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: fargate_size_problems
version_added: 0.1.0
short_description: Why a CPU/memory pair is not a valid Fargate task size
description:
  - Returns a list of sentences, empty when the pair is valid, naming the variables and listing the
    memory sizes Fargate allows for the CPU asked (the specification's range is 256-4096 CPU units
    and 512-30720 MB).
positional: cpu_var, memory_var
options:
  _input:
    description: The pair, as a list [cpu units, memory MB].
    type: list
    required: true
  cpu_var:
    description: The name of the CPU variable, for the message.
    type: str
    default: task_cpu_units
  memory_var:
    description: The name of the memory variable, for the message.
    type: str
    default: task_memory_mb
"""

EXAMPLES = r"""
problems: "{{ [task_cpu_units, task_memory_mb] | nestjs_playground.infra.fargate_size_problems('task_cpu_units', 'task_memory_mb') }}"
"""

RETURN = r"""
_value:
  description: One sentence per problem; empty when the size is valid.
  type: list
  elements: str
"""

# CPU units -> the memory sizes (MB) Fargate accepts with it.
FARGATE_SIZES = {
    256: [512, 1024, 2048],
    512: list(range(1024, 4096 + 1, 1024)),
    1024: list(range(2048, 8192 + 1, 1024)),
    2048: list(range(4096, 16384 + 1, 1024)),
    4096: list(range(8192, 30720 + 1, 1024)),
}


def _as_int(value):
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if number == int(number) else None


def _memory_ranges(sizes):
    step = sizes[1] - sizes[0]
    if len(sizes) > 3:
        return f"{sizes[0]} to {sizes[-1]} in steps of {step}"
    return ", ".join(str(size) for size in sizes)


def fargate_size_problems(pair, cpu_var="task_cpu_units", memory_var="task_memory_mb"):
    cpu_value, memory_value = (list(pair) + [None, None])[:2]
    cpu, memory = _as_int(cpu_value), _as_int(memory_value)
    if cpu not in FARGATE_SIZES:
        allowed = ", ".join(str(c) for c in FARGATE_SIZES)
        return [f"{cpu_var} '{cpu_value}' is not a Fargate CPU size: it must be one of {allowed}."]
    if memory not in FARGATE_SIZES[cpu]:
        return [
            f"{memory_var} '{memory_value}' does not fit {cpu_var} {cpu} on Fargate: with {cpu} CPU units "
            f"the memory must be {_memory_ranges(FARGATE_SIZES[cpu])} MB."
        ]
    return []


class FilterModule:
    def filters(self):
        return {"fargate_size_problems": fargate_size_problems}
