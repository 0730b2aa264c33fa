# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""How every module of this collection rides out AWS throttling.

``jittered_backoff()`` is amazon.aws's ``AWSRetry.jittered_backoff`` that also retries the throttling
codes AWSRetry leaves out. AWSRetry retries ``Throttling`` (the query services: RDS, IAM, ELBv2, STS)
and ``RequestLimitExceeded`` (EC2), but not ``ThrottlingException``, the code every JSON service
answers (ECS, ECR, Secrets Manager, SSM, CloudWatch Logs, ACM, Application Auto Scaling), nor
Route 53's ``PriorRequestNotComplete``: under load a module using it plainly gives up after botocore's
own three attempts.

``wait_through_throttling()`` runs a boto3 waiter and starts it again when one of its polls was throttled: a waiter polls
with the plain client and stops at the first error no acceptor expects, throttling included.
"""

import random
import time

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

# The codes AWS services answer when they throttle, beyond those AWSRetry already retries
# (RequestLimitExceeded, Throttling, TooManyRequestsException and the 5xx codes).
THROTTLING_CODES = (
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottled",
    "RequestThrottledException",
    "PriorRequestNotComplete",
    "SlowDown",
)
ALL_THROTTLING_CODES = THROTTLING_CODES + ("Throttling", "RequestLimitExceeded", "TooManyRequestsException")


def jittered_backoff(**kwargs):
    """``AWSRetry.jittered_backoff`` (same arguments) that also retries ``THROTTLING_CODES``."""
    extra = list(THROTTLING_CODES) + list(kwargs.pop("catch_extra_error_codes", None) or [])
    return AWSRetry.jittered_backoff(catch_extra_error_codes=extra, **kwargs)


def is_throttled(error):
    """Whether a ClientError or WaiterError was a throttling answer."""
    response = getattr(error, "last_response", None) or getattr(error, "response", None) or {}
    return (response.get("Error") or {}).get("Code") in ALL_THROTTLING_CODES


def wait_through_throttling(waiter, restarts=10, delay=1.0, max_delay=30.0, sleep=time.sleep, **kwargs):
    """``waiter.wait(**kwargs)``, started again (after a jittered pause) when a poll was throttled.

    Any other WaiterError (timeout, failure state, unexpected error) is raised as the waiter raised it.
    """
    for attempt in range(restarts + 1):
        try:
            return waiter.wait(**kwargs)
        except botocore.exceptions.WaiterError as e:
            if attempt == restarts or not is_throttled(e):
                raise
            sleep(random.uniform(0, min(max_delay, delay * 2 ** attempt)))
    return None
