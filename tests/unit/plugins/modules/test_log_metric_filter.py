from ansible_collections.nestjs_playground.infra.plugins.modules.log_metric_filter import current_fields
from ansible_collections.nestjs_playground.infra.plugins.modules.log_metric_filter import plan
from ansible_collections.nestjs_playground.infra.plugins.modules.log_metric_filter import put_arguments

PATTERN = '{ ($.level = "error") || ($.level = "fatal") }'


def desired(**changes):
    """The module's options for the application's error filter."""
    options = {"name": "app-dev-error-logs", "log_group_name": "/ecs/app-dev", "state": "present", "filter_pattern": PATTERN,
               "metric_namespace": "app/dev", "metric_name": "ErrorLogEvents", "metric_value": "1", "default_value": None,
               "unit": "Count"}
    options.update(changes)
    return options


def described(**changes):
    """A DescribeMetricFilters entry as AWS answers it for ``desired()``."""
    transformation = {"metricNamespace": "app/dev", "metricName": "ErrorLogEvents", "metricValue": "1", "unit": "Count"}
    transformation.update(changes)
    return {"filterName": "app-dev-error-logs", "logGroupName": "/ecs/app-dev", "filterPattern": PATTERN,
            "metricTransformations": [transformation], "creationTime": 1700000000000}


def test_a_missing_filter_is_put_with_every_field():
    decision = plan(desired(), None)
    assert decision["put"] and decision["changed"] and decision["before"] == {}
    assert decision["after"] == {"filter_pattern": PATTERN, "metric_namespace": "app/dev", "metric_name": "ErrorLogEvents",
                                 "metric_value": "1", "default_value": None, "unit": "Count"}


def test_the_filter_as_aws_describes_it_changes_nothing():
    decision = plan(desired(), current_fields(described()))
    assert not decision["changed"] and not decision["put"]
    assert decision["before"] == decision["after"]


def test_a_unit_aws_answers_as_the_string_none_is_no_unit():
    assert not plan(desired(unit=None), current_fields(described(unit="None")))["changed"]
    assert plan(desired(unit="Count"), current_fields(described(unit="None")))["changed"]


def test_another_pattern_replaces_the_filter_and_shows_in_the_diff():
    decision = plan(desired(filter_pattern='{ $.level = "error" }'), current_fields(described()))
    assert decision["put"] and decision["changed"]
    assert (decision["before"]["filter_pattern"], decision["after"]["filter_pattern"]) == (PATTERN, '{ $.level = "error" }')


def test_a_default_value_is_compared_as_a_number():
    assert not plan(desired(default_value=0), current_fields(described(defaultValue=0.0)))["changed"]
    assert plan(desired(default_value=0), current_fields(described()))["changed"]


def test_the_put_carries_one_transformation_and_only_the_optional_fields_given():
    config = plan(desired(), None)["after"]
    assert put_arguments("/ecs/app-dev", "app-dev-error-logs", config) == {
        "logGroupName": "/ecs/app-dev", "filterName": "app-dev-error-logs", "filterPattern": PATTERN,
        "metricTransformations": [{"metricNamespace": "app/dev", "metricName": "ErrorLogEvents", "metricValue": "1", "unit": "Count"}]}
    config = plan(desired(unit=None, default_value=0), None)["after"]
    (transformation,) = put_arguments("/ecs/app-dev", "app-dev-error-logs", config)["metricTransformations"]
    assert transformation == {"metricNamespace": "app/dev", "metricName": "ErrorLogEvents", "metricValue": "1", "defaultValue": 0.0}
