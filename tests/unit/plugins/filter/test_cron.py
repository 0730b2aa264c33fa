import pytest

from ansible_collections.nestjs_playground.infra.plugins.filter.cron import cron_problems


@pytest.mark.parametrize("value", [
    "0 2 * * *",                 # the specification's example
    "* * * * *",
    "*/5 * * * *",
    "0 0 1 1 0",
    "59 23 31 12 7",             # every upper bound; 7 is Sunday too
    "0 9-17 * * 1-5",
    "0 9-17/2 * * MON-FRI",
    "0 0 * JAN-MAR,OCT sun",     # names in any case, in lists and ranges
    "0 0 * dec SAT",
    "15,45 */2 1,15 * *",
    "0 0 1-31/10 1-12/3 0-7",
    "30 0 2 * * *",              # six fields, seconds first
    "*/10 * * * * *",
    "59 59 23 31 12 6",
    "  0   2 * * *  ",           # surrounding and repeated blanks
    "5 4 * * 0,6",
])
def test_valid_expressions_have_no_problem(value):
    assert cron_problems(value) == []


@pytest.mark.parametrize(("value", "fragments"), [
    ("61 * * * *", ["in the minute field '61', 61 is out of range: the minute must be 0-59"]),
    ("* 24 * * *", ["hour field '24', 24 is out of range: the hour must be 0-23"]),
    ("* * 0 * *", ["day of month field '0', 0 is out of range: the day of month must be 1-31"]),
    ("* * 32 * *", ["the day of month must be 1-31"]),
    ("* * * 13 *", ["the month must be 1-12"]),
    ("* * * 0 *", ["the month must be 1-12"]),
    ("* * * * 8", ["the day of week must be 0-7"]),
    ("60 * * * * *", ["in the second field '60', 60 is out of range: the second must be 0-59"]),
    ("* * *", ["it has 3 field(s)"]),
    ("* * * * * * *", ["it has 7 field(s)"]),
    ("", ["it is empty"]),
    ("0 2 * * MON-FRI-X", ["day of week field 'MON-FRI-X'", "'MON-FRI-X' is not *, a number, a range a-b"]),
    ("0 2 * FOO *", ["'FOO' is not a number or JAN, FEB"]),
    ("0 2 * * JAN", ["'JAN' is not a number or SUN, MON"]),
    ("0 2 MON * *", ["'MON' is not a number"]),
    ("*/0 * * * *", ["has a step of 0"]),
    ("5/10 * * * *", ["'5/10' steps from a single value"]),
    ("0 17-9 * * *", ["the range '17-9' runs backwards"]),
    ("0 2,,3 * * *", ["'' is not *, a number"]),
    ("0 2 * * 1,", ["'' is not *, a number"]),
    ("? 2 * * *", ["'?' is not *, a number"]),
    ("0 2 L * *", ["'L' is not a number"]),
    ("-1 2 * * *", ["'-1' is not *, a number"]),
    ("0 2 * * 1-5/x", ["'1-5/x' is not *, a number"]),
    ("@daily", ["it has 1 field(s)"]),
])
def test_invalid_expressions_are_explained(value, fragments):
    (problem,) = cron_problems(value)
    assert problem.startswith(f"schedule_task_cleanup_cron '{value}' is not a valid cron expression: ")
    for fragment in fragments:
        assert fragment in problem
    assert "It must have 5 fields (minute hour day-of-month month day-of-week" in problem


def test_each_bad_field_is_one_problem():
    problems = cron_problems("61 24 * * *")
    assert [p.split(": in the ")[1].split(" field")[0] for p in problems] == ["minute", "hour"]


def test_a_field_reports_only_its_first_bad_item():
    assert len(cron_problems("61,62 * * * *")) == 1


def test_the_message_names_the_variable_it_is_given():
    (problem,) = cron_problems("* *", "my_cron")
    assert problem.startswith("my_cron '* *' is not a valid cron expression: it has 2 field(s).")


@pytest.mark.parametrize("value", [None, "   "])
def test_nothing_is_not_an_expression(value):
    (problem,) = cron_problems(value)
    assert "it is empty" in problem


def test_a_number_is_read_as_its_text():
    (problem,) = cron_problems(5)
    assert problem.startswith("schedule_task_cleanup_cron '5' is not a valid cron expression: it has 1 field(s)")
