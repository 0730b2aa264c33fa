# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: app_image_report
version_added: 0.1.0
short_description: Whether the services' image is in the repository, and what would run without it
description:
  - The first-deploy trap. The ECR repository is created empty and O(app_version) defaults to C(latest), so a
    service whose image was never pushed only starts tasks that ECS stops (C(CannotPullContainerError)).
  - Given what M(nestjs_playground.infra.ecr_image_info) found for the tag, says which services would run
    tasks without it (an existing service the tasks it runs now, since autoscaling owns its count; a new one
    O(service_desired_count); the scheduler one task while it is enabled), whether the run must stop before
    the services change (it would wait for them), and the sentence that says what to do.
  - The role C(ecs_service) publishes the result as the fact C(app_image); the summary and C(plan.yml) show it.
options:
  _input:
    description: The result of M(nestjs_playground.infra.ecr_image_info) for the one tag O(app_version).
    type: dict
    required: true
  image:
    description: The image the services run, C(<repository URI>:<tag>).
    type: str
    required: true
  app_version:
    description: The tag.
    type: str
    required: true
  repository:
    description: The repository's name.
    type: str
    required: true
  service_name:
    description: The application's service.
    type: str
    required: true
  current_service:
    description: The application's service as ECS holds it (the C(compute) fact, with C(desired_count)); none when it does not exist yet.
    type: dict
  service_desired_count:
    description: The tasks a new service is created with.
    type: int
    default: 0
  service_wait:
    description: Whether the run waits for the application's service.
    type: bool
    default: false
  scheduler_name:
    description: The scheduler's service.
    type: str
  scheduler_enabled:
    description: Whether the scheduler runs (a cron is set).
    type: bool
    default: false
  scheduler_wait:
    description: Whether the run waits for the scheduler's service.
    type: bool
    default: false
  converging:
    description: The tiers this run converges (C(compute), C(scheduler)); a tier it only reads starts no task.
    type: list
    elements: str
    default: [compute, scheduler]
"""

EXAMPLES = r"""
app_image: >-
  {{ _ecs_image_pushed | nestjs_playground.infra.app_image_report(image=_ecs_image, app_version=app_version,
     repository=ecr.name, service_name=ecs_service_name, current_service=compute | default(none)) }}
"""

RETURN = r"""
_value:
  description: What the summary and the plan show.
  type: dict
  contains:
    image:
      description: The image.
      type: str
    pushed:
      description: Whether the tag is in the repository.
      type: bool
    digest:
      description: The image's digest when it is there.
      type: str
    starved:
      description: The services that would run tasks without the image (role, service, tasks, waits, what).
      type: list
      elements: dict
    stops_run:
      description: Whether the run must stop before the services change (it would wait for a starved service).
      type: bool
    problem:
      description: What is wrong and what to do; none when no service would run without its image.
      type: str
"""


def _starved(app_tasks, new_service, scheduler_tasks, params):
    """The services that would start tasks without their image: (role, service, tasks, waits, what)."""
    starved = []
    if app_tasks > 0:
        starved.append({
            "role": "application", "service": params["service_name"], "tasks": app_tasks, "waits": bool(params["service_wait"]),
            "what": (f"the service {params['service_name']} would run {app_tasks} task{'s' if app_tasks > 1 else ''}"
                     f" ({'service_desired_count' if new_service else 'its desired count now'})")})
    if scheduler_tasks > 0:
        starved.append({"role": "scheduler", "service": params["scheduler_name"], "tasks": 1, "waits": bool(params["scheduler_wait"]),
                        "what": f"the scheduler {params['scheduler_name']} 1 task"})
    return starved


def _problem(found, starved, waits, app_tasks, new_service, scheduler_tasks, params):
    """The sentence: what is missing, what would run without it, what this run does and what to do."""
    image = params["image"]
    if found.get("recent_tags"):
        holds = ", ".join(found["recent_tags"]) + " are the latest it holds"
    else:
        holds = "it holds no tagged image" if found.get("repository_exists") else "it is created by this run"
    if waits:
        run = f"site.yml stops before changing the services, as it would wait for them ({', '.join(waits)} true). "
    else:
        run = "site.yml goes on without waiting, and the tasks will not start. "
    instead = ""
    if app_tasks > 0:
        instead = (", or create the service without tasks: -e service_desired_count=0" if new_service
                   else ", or stop the service first: playbooks/scale.yml -e scale_action=stop")
    if scheduler_tasks > 0:
        instead += ", or stop the scheduler: unset schedule_task_cleanup_cron"
    return (f"app_version '{params['app_version']}' is not in the ECR repository {params['repository']} ({holds}), and "
            + " and ".join(entry["what"] for entry in starved)
            + ": ECS stops every task it starts without the image (CannotPullContainerError). " + run
            + f"Push the image first: docker push {image} (after aws ecr get-login-password | docker login --username AWS"
            + f" --password-stdin {image.split('/')[0]}), then run site.yml again" + instead + ".")


def app_image_report(found, image, app_version, repository, service_name, current_service=None, service_desired_count=0,
                     service_wait=False, scheduler_name=None, scheduler_enabled=False, scheduler_wait=False,
                     converging=("compute", "scheduler")):
    params = dict(image=image, app_version=app_version, repository=repository, service_name=service_name,
                  service_wait=service_wait, scheduler_name=scheduler_name, scheduler_wait=scheduler_wait)
    pushed = not found.get("missing_tags")
    new_service = current_service is None
    count = service_desired_count if new_service else current_service.get("desired_count")
    app_tasks = int(count or 0) if "compute" in converging else 0
    scheduler_tasks = 1 if scheduler_enabled and "scheduler" in converging else 0
    starved = [] if pushed else _starved(app_tasks, new_service, scheduler_tasks, params)
    waits = [switch for role, switch in (("application", "service_wait"), ("scheduler", "scheduler_wait"))
             if any(entry["role"] == role and entry["waits"] for entry in starved)]
    images = found.get("images") or []
    return {
        "image": image,
        "pushed": pushed,
        "digest": images[0].get("digest") if images else None,
        "starved": starved,
        "stops_run": bool(waits),
        "problem": _problem(found, starved, waits, app_tasks, new_service, scheduler_tasks, params) if starved else None,
    }


class FilterModule:
    def filters(self):
        return {"app_image_report": app_image_report}
