# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which flow log is "the flow log of this resource into this log group", for the module that manages it
(``vpc_flow_log``) and the one that tells whether it is left (``leftovers_info``)."""


def delivers_to(flow_log, resource_id, log_group_name):
    """Whether a described flow log (``DescribeFlowLogs``) logs ``resource_id`` into the CloudWatch Logs
    group ``log_group_name`` (a flow log without ``LogDestinationType`` delivers to CloudWatch Logs). Pure."""
    return (
        flow_log.get("ResourceId") == resource_id
        and flow_log.get("LogDestinationType", "cloud-watch-logs") == "cloud-watch-logs"
        and flow_log.get("LogGroupName") == log_group_name
    )
