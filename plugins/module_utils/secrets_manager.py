# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Secrets Manager calls of the modules that keep a JSON document in a secret (db_credentials_secret,
db_endpoint_secret), each retried with jittered backoff on throttling and failing the task with the
secret named (the module's ``name`` option)."""

import json

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.nestjs_playground.infra.plugins.module_utils.throttling import jittered_backoff


class SecretStore:
    def __init__(self, module, kind):
        """``kind`` names what the secret holds, for the message when it holds no JSON object."""
        self.module = module
        self.kind = kind
        self.client = module.client("secretsmanager", retry_decorator=jittered_backoff())

    def _fail(self, e, what):
        self.module.fail_json_aws(e, msg=f"Unable to {what} secret {self.module.params['name']}")

    def describe(self, name):
        """DescribeSecret's answer (with ``Tags`` and, when it is scheduled for deletion, ``DeletedDate``), or None."""
        try:
            return self.client.describe_secret(aws_retry=True, SecretId=name)
        except is_boto3_error_code("ResourceNotFoundException"):
            return None
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            self._fail(e, "describe")

    def document(self, name):
        """The JSON object the secret holds ({} when it has no value)."""
        try:
            text = self.client.get_secret_value(aws_retry=True, SecretId=name).get("SecretString") or "{}"
        except is_boto3_error_code("ResourceNotFoundException"):
            return {}
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            self._fail(e, "read")
        try:
            document = json.loads(text)
        except ValueError:
            document = None
        if not isinstance(document, dict):
            self.module.fail_json(msg=f"Secret {name} does not hold a JSON object; it is not a {self.kind}")
        return document

    def create(self, name, document, tags, description=None, kms_key_id=None):
        """Creates the secret; returns its ARN."""
        kwargs = {"Name": name, "SecretString": json.dumps(document)}
        if description:
            kwargs["Description"] = description
        if kms_key_id:
            kwargs["KmsKeyId"] = kms_key_id
        if tags:
            kwargs["Tags"] = ansible_dict_to_boto3_tag_list(tags)
        try:
            return self.client.create_secret(aws_retry=True, **kwargs)["ARN"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self._fail(e, "create")

    def restore(self, arn):
        try:
            self.client.restore_secret(aws_retry=True, SecretId=arn)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self._fail(e, "restore")

    def put(self, arn, document):
        try:
            self.client.put_secret_value(aws_retry=True, SecretId=arn, SecretString=json.dumps(document))
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self._fail(e, "update")

    def retag(self, arn, to_set, to_remove):
        try:
            if to_remove:
                self.client.untag_resource(aws_retry=True, SecretId=arn, TagKeys=to_remove)
            if to_set:
                self.client.tag_resource(aws_retry=True, SecretId=arn, Tags=ansible_dict_to_boto3_tag_list(to_set))
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self._fail(e, "tag")

    def delete(self, arn, window):
        """Deletes the secret: at once with ``window`` 0, else after that many days."""
        kwargs = {"ForceDeleteWithoutRecovery": True} if window == 0 else {"RecoveryWindowInDays": window}
        try:
            self.client.delete_secret(aws_retry=True, SecretId=arn, **kwargs)
        except is_boto3_error_code("ResourceNotFoundException"):
            return
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            self._fail(e, "delete")
