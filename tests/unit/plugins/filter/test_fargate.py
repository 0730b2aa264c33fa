import pytest

from ansible_collections.nestjs_playground.infra.plugins.filter.fargate import fargate_size_problems


@pytest.mark.parametrize(("cpu", "memory"), [
    (256, 512), (256, 2048), ("256", "1024"), (512, 1024), (512, 4096), (1024, 2048), (1024, 8192),
    (2048, 4096), (2048, 16384), (4096, 8192), (4096, 30720), (1024.0, 3072),
])
def test_valid_fargate_sizes_have_no_problem(cpu, memory):
    assert fargate_size_problems([cpu, memory]) == []


@pytest.mark.parametrize(("cpu", "memory", "fragments"), [
    (256, 4096, ["task_memory_mb '4096' does not fit task_cpu_units 256", "512, 1024, 2048 MB"]),
    (512, 512, ["with 512 CPU units the memory must be 1024 to 4096 in steps of 1024 MB"]),
    (1024, 2500, ["task_memory_mb '2500'"]),
    (4096, 32768, ["8192 to 30720 in steps of 1024"]),
    (300, 1024, ["task_cpu_units '300' is not a Fargate CPU size", "256, 512, 1024, 2048, 4096"]),
    ("lots", 1024, ["task_cpu_units 'lots' is not a Fargate CPU size"]),
    (True, 1024, ["task_cpu_units 'True'"]),
    (256.5, 512, ["task_cpu_units '256.5'"]),
])
def test_invalid_sizes_are_explained(cpu, memory, fragments):
    (problem,) = fargate_size_problems([cpu, memory])
    for fragment in fragments:
        assert fragment in problem


def test_the_message_names_the_variables_it_is_given():
    (problem,) = fargate_size_problems([256, 4096], "scheduler_task_cpu_units", "scheduler_task_memory_mb")
    assert problem.startswith("scheduler_task_memory_mb '4096' does not fit scheduler_task_cpu_units 256")
