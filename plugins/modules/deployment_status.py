#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: deployment_status
version_added: 0.1.0
short_description: Tell whether one deployment is healthy, and if not, why, without changing anything
description:
  - Reads, in one process and without any mutating call, what an operator looks at when the application
    misbehaves (the specification's Troubleshooting section) - the application's ECS service (desired, running
    and pending tasks, deployments, last events), the scheduler's service, the health of the targets behind the
    load balancer, the last lines of both log groups, the Aurora cluster (status, Serverless v2 scaling, its
    instances) and the certificate's expiry - and returns it with the list of problems found, each with the
    troubleshooting hint that goes with it (the command to run, what to check).
  - A problem is something that needs a person - a service running fewer tasks than it wants, a scheduler not
    running exactly one task while O(scheduler.enabled) (or running while it is not), a target that is not
    healthy or a running task that is not a target, a failed deployment, a missing log group, a cluster or
    instance that is not available, no writer, no reader while O(database.read_replica), a certificate that
    is not C(ISSUED) or expires within O(certificate.min_days) days. What is worth knowing but needs nobody
    (an application scaled to zero, a deployment in progress) is a note.
  - The decisions are pure functions of what AWS returned, unit-tested without AWS; RV(problems) is empty when
    the deployment is healthy. The module never fails because of a problem (playbooks/status.yml does, after
    the report); it fails only when AWS cannot be read.
  - The calls it makes (about ten) - C(ecs:DescribeServices) (both services in one call),
    C(elasticloadbalancing:DescribeTargetGroups), C(elasticloadbalancing:DescribeTargetHealth),
    C(logs:FilterLogEvents), C(rds:DescribeDBClusters), C(rds:DescribeDBInstances),
    C(acm:DescribeCertificate). The log lines are read backwards from now in growing time slices (5 minutes,
    then 4 times the previous slice) until O(log_lines) lines are found or O(log_window_minutes) is covered,
    so that a busy log group costs one short query and a quiet one a few.
author:
  - NestJS Playground platform team (!UNKNOWN)
options:
  application:
    description: The application tier; omit to not read it.
    type: dict
    suboptions:
      cluster: {description: The ECS cluster., type: str, required: true}
      service: {description: The application's ECS service., type: str, required: true}
      target_group: {description: The name of the load balancer's target group., type: str, required: true}
      log_group: {description: The application's log group., type: str, required: true}
  scheduler:
    description: The scheduler tier; omit to not read it.
    type: dict
    suboptions:
      cluster: {description: The ECS cluster the scheduler runs in., type: str, required: true}
      service: {description: The scheduler's ECS service., type: str, required: true}
      log_group: {description: The scheduler's log group., type: str, required: true}
      enabled:
        description:
          - Whether the scheduler should run (C(schedule_task_cleanup_cron) is set) - exactly one task - or
            not exist.
        type: bool
        required: true
      cron: {description: "The cron expression, quoted in the problem when the scheduler is missing.", type: str}
  database:
    description: The database tier; omit to not read it.
    type: dict
    suboptions:
      cluster_identifier: {description: The Aurora cluster., type: str, required: true}
      read_replica: {description: Whether the cluster should have a reader instance., type: bool, default: false}
      credentials_secret_name:
        description: The credentials secret, whose rotation is read (C(DescribeSecret), never its value); omit to not read it.
        type: str
      rotation_days:
        description:
          - Days between rotations (database_credentials_rotation_days). A rotation more than a day past due is a
            problem (the schedule is not running); 0 is a note (rotation is off).
        type: int
        default: 30
  certificate:
    description: The load balancer's certificate; omit to not read it.
    type: dict
    suboptions:
      arn: {description: The ACM certificate's ARN., type: str, required: true}
      min_days: {description: Fewer days than this before it expires is a problem., type: int, default: 30}
  log_window_minutes:
    description: How far back the log lines are looked for.
    type: int
    default: 60
  log_lines:
    description: How many of the last log lines of each log group to return; 0 checks that the groups exist only.
    type: int
    default: 20
  service_events:
    description: How many of each service's last events to return.
    type: int
    default: 5
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Supports check mode (it never changes anything).
"""

EXAMPLES = r"""
- name: Read the health of the dev deployment
  nestjs_playground.infra.deployment_status:
    application:
      cluster: nestjs-playground-dev
      service: nestjs-playground-dev
      target_group: nestjs-playground-dev-tg
      log_group: /ecs/nestjs-playground-dev
    scheduler:
      cluster: nestjs-playground-dev
      service: nestjs-playground-scheduler-dev
      log_group: /ecs/nestjs-playground-scheduler-dev
      enabled: true
    database:
      cluster_identifier: nestjs-playground-dev
    certificate:
      arn: arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-0000-4000-8000-000000000000
      min_days: 30
  register: status

- name: Fail when it is not healthy
  ansible.builtin.assert:
    that: status.problems | length == 0
    fail_msg: "{{ status.problems | map(attribute='problem') | join('\n') }}"
"""

RETURN = r"""
healthy:
  description: Whether no problem was found.
  returned: always
  type: bool
problems:
  description: Every problem found, most basic first (database, application, targets, scheduler, logs, certificate).
  returned: always
  type: list
  elements: dict
  contains:
    area: {description: "database, credentials, application, targets, scheduler, logs or certificate.", type: str}
    problem: {description: "What is wrong, with the names and numbers.", type: str}
    hint: {description: "The specification's troubleshooting advice for it: what to check, which command to run.", type: str}
notes:
  description: What is worth knowing but is not a problem.
  returned: always
  type: list
  elements: str
application:
  description: The application's service.
  returned: when O(application) is given
  type: dict
  contains:
    cluster: {description: The cluster., type: str}
    service: {description: The service., type: str}
    exists: {description: Whether the service is active., type: bool}
    status: {description: "Its status (ACTIVE, DRAINING, INACTIVE), or null.", type: str}
    desired: {description: Tasks it wants., type: int}
    running: {description: Tasks running., type: int}
    pending: {description: Tasks starting., type: int}
    task_definition: {description: The task definition of the service., type: str}
    deployments:
      description: Its deployments (status, rollout_state, rollout_state_reason, task_definition, desired, running, pending, failed_tasks, updated_at).
      type: list
      elements: dict
    events: {description: "Its last events (at, message), newest first.", type: list, elements: dict}
scheduler:
  description: The scheduler's service, as RV(application) with C(enabled) (whether it should run).
  returned: when O(scheduler) is given
  type: dict
targets:
  description:
    - The target group (target_group, exists, arn, health_check_path, health_check_port, healthy - how many
      targets are healthy - and targets, each with id, port, state, reason and description).
  returned: when O(application) is given
  type: dict
logs:
  description:
    - For C(application) and C(scheduler), the log group (log_group, exists, window_minutes) and its last
      lines, oldest first (C(time task-id message)).
  returned: when O(application) or O(scheduler) is given
  type: dict
database:
  description:
    - The Aurora cluster (cluster_identifier, exists, status, engine_version, scaling with min_capacity,
      max_capacity and seconds_until_auto_pause, and instances, each with identifier, status, writer and
      instance_class).
  returned: when O(database) is given
  type: dict
credentials:
  description:
    - The credentials secret's rotation (secret, exists, last_rotated, next_rotation - none while rotation_days is 0 -,
      rotation_days, days_since, overdue_days and half_done - a rotation a job left unfinished).
  returned: when O(database.credentials_secret_name) is given
  type: dict
certificate:
  description: The certificate (arn, exists, status, type, domain_name, not_after, days_left, renewal_status, min_days).
  returned: when O(certificate) is given
  type: dict
"""

import datetime
import math

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.nestjs_playground.infra.plugins.module_utils.deployment import Reader
from ansible_collections.nestjs_playground.infra.plugins.module_utils.secrets_manager import rotation_record
from ansible_collections.nestjs_playground.infra.plugins.module_utils.times import as_text

MINUTE_MS = 60 * 1000
FIRST_LOG_SLICE_MS = 5 * MINUTE_MS
LOG_SLICE_GROWTH = 4
LOG_MESSAGE_CHARS = 500
# States of a target that are not a problem: serving, registering, leaving during a deployment.
TARGET_STATES_OK = ("healthy", "initial", "draining")
DATABASE_STATES_OK = ("available", "backing-up")   # a backup keeps the database available


def _plural(count, word):
    return f"{count} {word}" + ("" if count == 1 else "s")


class Commands:
    """The troubleshooting commands of the specification (Debugging Commands), with this deployment's names."""

    def __init__(self, region, window_minutes=60):
        self.region = region
        self.window = window_minutes

    def services(self, cluster, service):
        return f"aws ecs describe-services --cluster {cluster} --services {service} --region {self.region}"

    def stopped_tasks(self, cluster, service):
        return (f"aws ecs list-tasks --cluster {cluster} --service-name {service} --desired-status STOPPED --region {self.region}"
                f" (then aws ecs describe-tasks --cluster {cluster} --tasks <arn> for stoppedReason)")

    def logs(self, group):
        return (f"aws logs filter-log-events --log-group-name {group} "
                f"--start-time $(date -d '{self.window} minutes ago' +%s)000 --region {self.region}")

    def target_health(self, arn):
        return f"aws elbv2 describe-target-health --target-group-arn {arn} --region {self.region}"

    def db_cluster(self, identifier):
        return (f"aws rds describe-db-clusters --db-cluster-identifier {identifier} --region {self.region}; "
                f"aws rds describe-events --source-type db-cluster --source-identifier {identifier} --duration 1440 --region {self.region}")

    def certificate(self, arn):
        return f"aws acm describe-certificate --certificate-arn {arn} --region {self.region}"


def problem(area, text, hint):
    return {"area": area, "problem": text, "hint": hint}


# What AWS returned, as the report shows it --------------------------------------------------------

def service_report(cluster, name, service, events=5):
    """The report of one ECS service; ``exists`` is false unless it is ACTIVE."""
    service = service or {}
    return {
        "cluster": cluster,
        "service": name,
        "exists": service.get("status") == "ACTIVE",
        "status": service.get("status"),
        "desired": service.get("desiredCount", 0),
        "running": service.get("runningCount", 0),
        "pending": service.get("pendingCount", 0),
        "task_definition": service.get("taskDefinition"),
        "deployments": [
            {
                "status": d.get("status"),
                "rollout_state": d.get("rolloutState"),
                "rollout_state_reason": d.get("rolloutStateReason"),
                "task_definition": d.get("taskDefinition"),
                "desired": d.get("desiredCount", 0),
                "running": d.get("runningCount", 0),
                "pending": d.get("pendingCount", 0),
                "failed_tasks": d.get("failedTasks", 0),
                "updated_at": as_text(d.get("updatedAt")),
            }
            for d in service.get("deployments", [])
        ],
        # DescribeServices lists the events newest first.
        "events": [{"at": as_text(e.get("createdAt")), "message": e.get("message")} for e in service.get("events", [])[:max(events, 0)]],
    }


def target_report(name, target_group, descriptions):
    target_group = target_group or {}
    targets = [
        {
            "id": d["Target"]["Id"],
            "port": d["Target"].get("Port"),
            "state": d.get("TargetHealth", {}).get("State"),
            "reason": d.get("TargetHealth", {}).get("Reason"),
            "description": d.get("TargetHealth", {}).get("Description"),
        }
        for d in descriptions or []
    ]
    return {
        "target_group": name,
        "exists": bool(target_group),
        "arn": target_group.get("TargetGroupArn"),
        "health_check_path": target_group.get("HealthCheckPath"),
        "health_check_port": target_group.get("HealthCheckPort"),
        "port": target_group.get("Port"),
        "healthy": sum(1 for t in targets if t["state"] == "healthy"),
        "targets": targets,
    }


def log_slices(start_ms, end_ms, first_ms=FIRST_LOG_SLICE_MS, growth=LOG_SLICE_GROWTH):
    """[start, end) cut into slices from the end backwards, each ``growth`` times the one after it:
    newest first. Read in this order, the last lines of a busy log come from the first, short slice."""
    slices, size, end = [], first_ms, end_ms
    while end > start_ms:
        begin = max(start_ms, end - size)
        slices.append((begin, end))
        end, size = begin, size * growth
    return slices


def _log_time(timestamp_ms):
    moment = datetime.datetime.fromtimestamp(timestamp_ms / 1000.0, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def log_line(event):
    """``time task-id message``: the stream's last part is the task id (awslogs: prefix/container/task-id)."""
    stream = (event.get("logStreamName") or "").rsplit("/", 1)[-1][:12]
    message = (event.get("message") or "").rstrip("\n")
    if len(message) > LOG_MESSAGE_CHARS:
        message = message[:LOG_MESSAGE_CHARS] + "..."
    return f"{_log_time(event.get('timestamp', 0))} {stream} {message}".rstrip()


def last_lines(events, count):
    """The last ``count`` events by time, oldest first, as lines (AWS interleaves streams; the emulator
    returns them stream by stream)."""
    ordered = sorted(events, key=lambda e: (e.get("timestamp", 0), e.get("ingestionTime", 0), e.get("eventId", "")))
    return [log_line(e) for e in ordered[-count:]] if count > 0 else []


def log_report(group, window_minutes, events):
    """``events`` is None when the group does not exist."""
    return {"log_group": group, "exists": events is not None, "window_minutes": window_minutes, "lines": events or []}


def database_report(identifier, cluster, instances):
    cluster = cluster or {}
    scaling = cluster.get("ServerlessV2ScalingConfiguration") or {}
    writers = {m["DBInstanceIdentifier"] for m in cluster.get("DBClusterMembers", []) if m.get("IsClusterWriter")}
    return {
        "cluster_identifier": identifier,
        "exists": bool(cluster),
        "status": cluster.get("Status"),
        "engine_version": cluster.get("EngineVersion"),
        "scaling": {
            "min_capacity": scaling.get("MinCapacity"),
            "max_capacity": scaling.get("MaxCapacity"),
            "seconds_until_auto_pause": scaling.get("SecondsUntilAutoPause"),
        } if scaling else None,
        "instances": [
            {
                "identifier": i["DBInstanceIdentifier"],
                "status": i.get("DBInstanceStatus"),
                "writer": i["DBInstanceIdentifier"] in writers,
                "instance_class": i.get("DBInstanceClass"),
            }
            for i in sorted(instances or [], key=lambda i: i["DBInstanceIdentifier"])
        ],
    }


def credentials_report(name, described, rotation_days, now):
    """The credentials secret's rotation, from DescribeSecret's ``described`` (None: no such secret)."""
    if described is None:
        return {"secret": name, "exists": False, "rotation_days": rotation_days}
    return dict(rotation_record(described, rotation_days, now), secret=name, exists=True)


def days_left(not_after, now):
    """Whole days from ``now`` to ``not_after`` (ISO 8601), rounded down; None when unknown."""
    if not not_after:
        return None
    expiry = datetime.datetime.fromisoformat(not_after)
    if expiry.tzinfo is None:
        expiry = expiry.replace(tzinfo=datetime.timezone.utc)
    return math.floor((expiry - now).total_seconds() / 86400)


def certificate_report(arn, summary, min_days, now):
    summary = summary or {}
    return {
        "arn": arn,
        "exists": bool(summary),
        "status": summary.get("status"),
        "type": summary.get("type"),
        "domain_name": summary.get("domain_name"),
        "not_after": summary.get("not_after"),
        "days_left": days_left(summary.get("not_after"), now),
        "renewal_status": summary.get("renewal_status"),
        "min_days": min_days,
    }


# What is wrong, and what to do about it ----------------------------------------------------------

def _last_event(service):
    return f" Last event: {service['events'][0]['message']}" if service["events"] else ""


def application_problems(app, logs, commands):
    where = f"the application service {app['service']}"
    if not app["exists"]:
        return [problem(
            "application",
            f"The application service {app['service']} does not exist in the ECS cluster {app['cluster']}"
            + (f" (it is {app['status']})." if app["status"] else "."),
            "Converge the compute tier: ansible-playbook site.yml --tags compute (with this inventory).",
        )]
    found = []
    if app["running"] < app["desired"]:
        found.append(problem(
            "application",
            f"{where[0].upper()}{where[1:]} runs {app['running']} of {_plural(app['desired'], 'task')}"
            f" ({app['pending']} pending).{_last_event(app)}",
            f"Application startup: read the service events ({commands.services(app['cluster'], app['service'])}), "
            f"the logs for errors ({commands.logs(logs)}) and why tasks stopped "
            f"({commands.stopped_tasks(app['cluster'], app['service'])}); verify that the database accepts the "
            "application's connections and credentials.",
        ))
    for deployment in app["deployments"]:
        if deployment["rollout_state"] == "FAILED":
            found.append(problem(
                "application",
                f"A deployment of {app['service']} to {deployment['task_definition']} failed "
                f"({deployment['failed_tasks']} failed tasks): {deployment['rollout_state_reason'] or 'no reason given'}",
                "The deployment circuit breaker stopped it (and rolled back to the last working task definition): "
                f"read why its tasks stopped ({commands.stopped_tasks(app['cluster'], app['service'])}) and the logs "
                f"({commands.logs(logs)}).",
            ))
    return found


def application_notes(app):
    notes = []
    if app["exists"] and app["desired"] == 0:
        notes.append(f"The application service {app['service']} wants no task (desired count 0): stopped, or autoscaling at "
                     "its minimum of 0; nothing answers behind the load balancer.")
    for deployment in app["deployments"]:
        if deployment["rollout_state"] == "IN_PROGRESS" and len(app["deployments"]) > 1:
            notes.append(f"A deployment of {app['service']} to {deployment['task_definition']} is in progress.")
    return notes


def target_problems(targets, app, commands):
    if not targets["exists"]:
        return [problem(
            "targets",
            f"The target group {targets['target_group']} does not exist: the load balancer has nowhere to send requests.",
            "Converge the compute tier: ansible-playbook site.yml --tags compute (with this inventory).",
        )]
    path = targets["health_check_path"] or "/v1/health"
    port = targets["port"]
    found = []
    for target in targets["targets"]:
        if target["state"] not in TARGET_STATES_OK:
            detail = ": ".join(part for part in (target["reason"], target["description"]) if part)
            found.append(problem(
                "targets",
                f"Target {target['id']}:{target['port']} of {targets['target_group']} is {target['state']}"
                + (f" ({detail})." if detail else "."),
                f"Health check failures: confirm that {path} answers with 200 on port {port}, that the application's "
                f"security group admits the load balancer's on port {port}, and that the application listens on "
                f"port {port} (APP_PORT); {commands.target_health(targets['arn'])}.",
            ))
    # Every target counts here, whatever its state (an unhealthy one is a problem above, a draining one is
    # still a task): what is left are running tasks the load balancer does not know.
    registered = len(targets["targets"])
    if app and app["exists"] and registered < app["running"]:
        missing = app["running"] - registered
        found.append(problem(
            "targets",
            f"The application runs {_plural(app['running'], 'task')} but {targets['target_group']} has "
            f"{_plural(registered, 'target')}: {_plural(missing, 'running task')} "
            f"receive{'s' if missing == 1 else ''} no requests.",
            "ECS registers each task of the service with the target group: read the service events "
            f"({commands.services(app['cluster'], app['service'])}) and the targets "
            f"({commands.target_health(targets['arn'])}); a task deregistered by hand comes back when ECS replaces "
            f"it (aws ecs update-service --cluster {app['cluster']} --service {app['service']} --force-new-deployment).",
        ))
    return found


def scheduler_problems(scheduler, cron, logs, commands):
    name, cluster = scheduler["service"], scheduler["cluster"]
    describe = commands.services(cluster, name)
    if not scheduler["enabled"]:
        if scheduler["exists"] and scheduler["desired"] > 0:
            return [problem(
                "scheduler",
                f"The scheduler service {name} runs ({scheduler['desired']} desired, {scheduler['running']} running) "
                "while schedule_task_cleanup_cron is not set.",
                "Scheduled task issues: set CDK_SCHEDULE_TASK_CLEANUP_CRON (schedule_task_cleanup_cron) if background "
                "tasks are expected; otherwise converge the scheduler tier (ansible-playbook site.yml --tags scheduler) "
                f"to remove it. {describe}",
            )]
        return []
    if not scheduler["exists"]:
        return [problem(
            "scheduler",
            f"schedule_task_cleanup_cron is set ('{cron}') but the scheduler service {name} does not exist in the ECS "
            f"cluster {cluster}" + (f" (it is {scheduler['status']})." if scheduler["status"] else "."),
            "Scheduled task issues: converge the scheduler tier (ansible-playbook site.yml --tags scheduler) and "
            "verify the cron expression's format.",
        )]
    if scheduler["desired"] != 1:
        return [problem(
            "scheduler",
            f"The scheduler service {name} wants {_plural(scheduler['desired'], 'task')} ({scheduler['running']} "
            "running); it must run exactly 1 while schedule_task_cleanup_cron is set.",
            "Scheduled task issues: the service's desired count should be 1 when the scheduler is enabled and 0 when it "
            f"is disabled ({describe}); converging the scheduler tier (ansible-playbook site.yml --tags scheduler) "
            "sets it back to 1.",
        )]
    if scheduler["running"] != 1:
        return [problem(
            "scheduler",
            f"The scheduler service {name} runs {scheduler['running']} of 1 task ({scheduler['pending']} pending)."
            f"{_last_event(scheduler)}",
            f"Scheduled task issues: read the service events ({describe}) and the scheduler's own log group "
            f"({commands.logs(logs)}); ensure the scheduler reaches the database (its security group must be "
            "admitted by the database's).",
        )]
    return []


# Each log group the report reads: whose it is, what its absence costs ({group}: its name) and how to make it again.
LOG_GROUP_PROBLEMS = (
    ("application",
     "The application's log group {group} does not exist: its tasks cannot start (the awslogs driver needs it) "
     "and nothing it logs is kept.",
     "Converge the compute tier (ansible-playbook site.yml --tags compute) to create it again with its retention."),
    ("scheduler",
     "The scheduler's log group {group} does not exist: its task cannot start (the awslogs driver needs it) "
     "and its output is lost.",
     "Scheduled task issues: converge the scheduler tier (ansible-playbook site.yml --tags scheduler) to create "
     "it again."),
)


def log_problems(logs, application_expected, scheduler_expected):
    expected = {"application": application_expected, "scheduler": scheduler_expected}
    return [problem("logs", absence.format(group=logs[owner]["log_group"]), remedy)
            for owner, absence, remedy in LOG_GROUP_PROBLEMS if expected[owner] and logs.get(owner) and not logs[owner]["exists"]]


def database_problems(database, read_replica, commands):
    identifier = database["cluster_identifier"]
    converge = "Converge the database tier: ansible-playbook site.yml --tags database (with this inventory)."
    if not database["exists"]:
        return [problem("database", f"The Aurora cluster {identifier} does not exist.", converge)]
    describe = commands.db_cluster(identifier)
    found = []
    if database["status"] not in DATABASE_STATES_OK:
        found.append(problem(
            "database",
            f"The Aurora cluster {identifier} is {database['status']}, not available.",
            f"Verify database connectivity: read the cluster's status and recent events ({describe}).",
        ))
    if database["scaling"] is None:
        found.append(problem(
            "database",
            f"The Aurora cluster {identifier} has no Serverless v2 scaling configuration: its db.serverless instances cannot run.",
            converge,
        ))
    if not any(i["writer"] for i in database["instances"]):
        found.append(problem("database", f"The Aurora cluster {identifier} has no writer instance.", converge))
    if read_replica and not any(not i["writer"] for i in database["instances"]):
        found.append(problem(
            "database",
            f"database_read_replica is true but the Aurora cluster {identifier} has no reader instance "
            "(DB_HOST_READ_ONLY reaches the writer).",
            converge,
        ))
    for instance in database["instances"]:
        if instance["status"] not in DATABASE_STATES_OK:
            found.append(problem(
                "database",
                f"The {'writer' if instance['writer'] else 'reader'} instance {instance['identifier']} of {identifier} is "
                f"{instance['status']}, not available.",
                f"Verify database connectivity: read the cluster's and its instances' status and events ({describe}; "
                f"aws rds describe-db-instances --db-instance-identifier {instance['identifier']} --region {commands.region}).",
            ))
    return found


def credentials_problems(credentials):
    name = credentials["secret"]
    rotate = "ansible-playbook playbooks/rotate_db_credentials.yml (with this inventory; in prd -e confirm_rotate=<env>)"
    if not credentials["exists"]:
        return [problem("credentials", f"The credentials secret {name} does not exist.",
                        "Converge the database tier: ansible-playbook site.yml --tags database (with this inventory).")]
    found = []
    if credentials["half_done"]:
        found.append(problem(
            "credentials", f"A rotation of the credentials secret {name} was left unfinished (a password is staged as AWSPENDING).",
            f"Rerun the rotation, which completes it with the staged password: {rotate}.",
        ))
    if credentials["overdue_days"] >= 1:
        found.append(problem(
            "credentials",
            f"The database credentials were last rotated {credentials['last_rotated']} ({credentials['days_since']} days ago): "
            f"the rotation due every {credentials['rotation_days']} days is {credentials['overdue_days']} day(s) late.",
            f"The daily rotation job is not running: check the AWX schedule <prefix>-<env>-rotate-db-credentials-daily "
            f"(docs/awx.md), or rotate now: {rotate}.",
        ))
    return found


def certificate_problems(certificate, region, commands):
    arn = certificate["arn"]
    if not certificate["exists"]:
        return [problem(
            "certificate",
            f"The certificate {arn} does not exist in {region}: the HTTPS listener cannot serve it.",
            "Prerequisites: set certificate_arn to an ISSUED ACM certificate of this region covering the domain.",
        )]
    found = []
    if certificate["status"] != "ISSUED":
        found.append(problem(
            "certificate",
            f"The certificate {arn} ({certificate['domain_name']}) is {certificate['status']}, not ISSUED.",
            f"Read its status and validation ({commands.certificate(arn)}); a certificate that is not ISSUED must be "
            "validated (DNS) or replaced, and certificate_arn pointed at the new one.",
        ))
    left = certificate["days_left"]
    if left is not None and left < certificate["min_days"]:
        when = "expired " + _plural(-left, "day") + " ago" if left < 0 else "expires in " + _plural(left, "day")
        if certificate["type"] == "IMPORTED":
            renew = (f"it is imported, so ACM does not renew it: import the renewed certificate into the same ARN "
                     f"(aws acm import-certificate --certificate-arn {arn} --certificate fileb://cert.pem "
                     f"--private-key fileb://key.pem --certificate-chain fileb://chain.pem --region {region})")
        else:
            renew = ("ACM renews a certificate it issued itself from 60 days before expiry while its DNS validation "
                     "record stays in the hosted zone: check RenewalSummary")
        found.append(problem(
            "certificate",
            f"The certificate {arn} ({certificate['domain_name']}) {when} (on {certificate['not_after']}); "
            f"status_certificate_min_days is {certificate['min_days']}.",
            f"{renew[0].upper()}{renew[1:]} ({commands.certificate(arn)}).",
        ))
    return found


def status_problems(report, expected, region, window_minutes=60):
    """Every problem of the report, most basic tier first. ``expected`` holds what the module was told:
    application/scheduler/database/certificate (the module's options, each possibly None)."""
    commands = Commands(region, window_minutes)
    found = []
    if report.get("database") is not None:
        found += database_problems(report["database"], expected["database"].get("read_replica"), commands)
    if report.get("credentials") is not None:
        found += credentials_problems(report["credentials"])
    app = report.get("application")
    if app is not None:
        found += application_problems(app, expected["application"]["log_group"], commands)
    if report.get("targets") is not None:
        found += target_problems(report["targets"], app, commands)
    scheduler = report.get("scheduler")
    if scheduler is not None:
        found += scheduler_problems(scheduler, expected["scheduler"].get("cron"), expected["scheduler"]["log_group"], commands)
    found += log_problems(report.get("logs") or {}, app is not None, bool(scheduler and scheduler["enabled"]))
    if report.get("certificate") is not None:
        found += certificate_problems(report["certificate"], region, commands)
    return found


def status_notes(report):
    notes = []
    if (report.get("credentials") or {}).get("exists") and not report["credentials"]["rotation_days"]:
        notes.append("Credential rotation is off (database_credentials_rotation_days is 0): the password changes only when "
                     "playbooks/rotate_db_credentials.yml is run by hand.")
    if report.get("application") is not None:
        notes += application_notes(report["application"])
    scheduler = report.get("scheduler")
    if scheduler is not None and not scheduler["enabled"] and not scheduler["exists"]:
        notes.append("The scheduler is off (schedule_task_cleanup_cron is not set) and its service does not exist, as expected.")
    return notes


# Reading AWS -------------------------------------------------------------------------------------

def read_log_lines(reader, group, now_ms, window_minutes, count):
    """The last ``count`` lines of ``group`` within the window, oldest first; None when the group does not exist."""
    start = now_ms - window_minutes * MINUTE_MS
    if count <= 0:
        return [] if reader.log_group_exists(group) else None
    collected = []
    for begin, end in log_slices(start, now_ms + 1):
        events = reader.log_events(group, begin, end)
        if events is None:
            return None
        collected += events
        if len(collected) >= count:
            break
    return last_lines(collected, count)


def read_report(reader, params, now):
    now_ms = int(now.timestamp() * 1000)
    window, lines, events = params["log_window_minutes"], params["log_lines"], params["service_events"]
    report = {}
    app, scheduler = params["application"], params["scheduler"]
    services = {}
    if app or scheduler:
        # One DescribeServices call for both services when they share the cluster (they do).
        wanted = {}
        for tier in (app, scheduler):
            if tier:
                wanted.setdefault(tier["cluster"], []).append(tier["service"])
        for cluster, names in wanted.items():
            services.update({(cluster, name): service for name, service in reader.ecs_services(cluster, names).items()})
    if params["database"]:
        identifier = params["database"]["cluster_identifier"]
        cluster = reader.db_cluster(identifier)
        report["database"] = database_report(identifier, cluster, reader.db_instances(identifier) if cluster else [])
        secret = params["database"].get("credentials_secret_name")
        if secret:
            report["credentials"] = credentials_report(secret, reader.secret(secret), params["database"]["rotation_days"], now)
    logs = {}
    if app:
        report["application"] = service_report(app["cluster"], app["service"], services.get((app["cluster"], app["service"])), events)
        target_group = reader.target_group(app["target_group"])
        health = reader.target_health(target_group["TargetGroupArn"]) if target_group else []
        report["targets"] = target_report(app["target_group"], target_group, health)
        logs["application"] = log_report(app["log_group"], window, read_log_lines(reader, app["log_group"], now_ms, window, lines))
    if scheduler:
        report["scheduler"] = dict(
            service_report(scheduler["cluster"], scheduler["service"], services.get((scheduler["cluster"], scheduler["service"])), events),
            enabled=scheduler["enabled"],
        )
        logs["scheduler"] = log_report(
            scheduler["log_group"], window, read_log_lines(reader, scheduler["log_group"], now_ms, window, lines)
        )
    if logs:
        report["logs"] = logs
    if params["certificate"]:
        arn = params["certificate"]["arn"]
        report["certificate"] = certificate_report(arn, reader.certificate(arn), params["certificate"]["min_days"], now)
    return report


def main():
    def names(*keys):
        return {key: dict(type="str", required=True) for key in keys}

    module = AnsibleAWSModule(
        argument_spec=dict(
            application=dict(type="dict", options=names("cluster", "service", "target_group", "log_group")),
            scheduler=dict(
                type="dict",
                options=dict(names("cluster", "service", "log_group"), enabled=dict(type="bool", required=True), cron=dict(type="str")),
            ),
            database=dict(
                type="dict",
                options=dict(cluster_identifier=dict(type="str", required=True), read_replica=dict(type="bool", default=False),
                             credentials_secret_name=dict(type="str"), rotation_days=dict(type="int", default=30)),
            ),
            certificate=dict(type="dict", options=dict(arn=dict(type="str", required=True), min_days=dict(type="int", default=30))),
            log_window_minutes=dict(type="int", default=60),
            log_lines=dict(type="int", default=20),
            service_events=dict(type="int", default=5),
        ),
        supports_check_mode=True,
    )
    params = module.params
    for option, least in (("log_window_minutes", 1), ("log_lines", 0), ("service_events", 0)):
        if params[option] < least:
            module.fail_json(msg=f"{option} is {params[option]}; it must be a whole number from {least}.")
    now = datetime.datetime.now(datetime.timezone.utc)
    report = read_report(Reader(module), params, now)
    expected = {tier: params[tier] or {} for tier in ("application", "scheduler", "database", "certificate")}
    problems = status_problems(report, expected, module.region, params["log_window_minutes"])
    module.exit_json(changed=False, healthy=not problems, problems=problems, notes=status_notes(report), **report)


if __name__ == "__main__":
    main()
