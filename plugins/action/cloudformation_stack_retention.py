# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Runs the module cloudformation_stack_retention inside Ansible's worker (plugins/plugin_utils/direct_execution.py)."""

from ansible_collections.nestjs_playground.infra.plugins.plugin_utils.direct_execution import direct_execution_action

ActionModule = direct_execution_action(__name__)
