"""datakit's Airflow operators: the pinned datakits of a warehouse as Airflow tasks.

Written by ``datakit render <warehouse> --env <env> --format airflow``; do not edit (render
again). The DAG files next to this package import it; ``.airflowignore`` keeps the DAG
processor out of it.

``DatakitOperator.create(...)`` gives, for a Kubernetes environment, a KubernetesPodOperator
whose pod is the pod ``datakit render`` makes for the environment's CronJobs (the Kerberos
sidecar as a native sidecar, images by digest, Secrets by reference), and for a Docker
environment a DockerOperator next to the Kerberos sidecar that ``datakit deploy`` started
(sharing its ticket-cache volume, image by digest).

A datakit's exit code says whether trying again can help: 2 (configuration), 3 (schema
drift) and 4 (rejected rows over the threshold) fail the task at once (AirflowFailException,
no retry); 1 (failure) and 5 (the environment lacks something: a database or the Kerberos
ticket cannot be reached) fail the try and Airflow retries it.

Works on Airflow 2.x (2.4+: ``schedule``, datasets) and 3.x (``airflow.sdk``, assets), with
apache-airflow-providers-cncf-kubernetes (10.x; ``pod_template_dict``, and a kubernetes
client that knows ``restartPolicy`` of containers, 29.0+) or apache-airflow-providers-docker
(4.x). Each provider is imported only by the tasks that need it.
"""

from __future__ import annotations

import datetime
import re

__version__ = "1.0.0"

__all__ = [
    "DAG",
    "EXIT_CODES",
    "NO_RETRY_EXIT_CODES",
    "Asset",
    "AirflowFailException",
    "DatakitOperator",
    "require_version",
]

try:  # Airflow 3
    from airflow.sdk import DAG, Asset
except ImportError:  # Airflow 2.4+
    from airflow import DAG
    from airflow.datasets import Dataset as Asset

try:  # Airflow 3.1+
    from airflow.sdk.exceptions import AirflowFailException
except ImportError:  # Airflow 2.x, 3.0
    from airflow.exceptions import AirflowFailException

#: What each exit code of a datakit means (shared by every datakit and the datakit CLI).
EXIT_CODES = {
    0: "success",
    1: "failure",
    2: "bad input or configuration",
    3: "schema drift",
    4: "rejected rows over the threshold",
    5: "the environment lacks something (a database, a port, the Kerberos ticket)",
}

#: Exit codes after which a retry cannot help: the task fails without retrying.
NO_RETRY_EXIT_CODES = frozenset({2, 3, 4})

#: The container of the datakit in its pod (the name KubernetesPodOperator follows).
BASE_CONTAINER = "base"


def require_version(version):
    """Fails a DAG file rendered for another version of this package (render them together)."""
    if version != __version__:
        raise ImportError(
            f"This DAG was rendered for datakit_airflow {version}, but the DAG folder holds "
            f"datakit_airflow {__version__}. Render the DAG folder again with `datakit render "
            f"<warehouse> --env <env> --format airflow --out <dags folder>`."
        )


def _fail_or_retry(task_id, exit_code, error):
    """Turns a failed run into what Airflow should do with it, by the datakit's exit code."""
    meaning = EXIT_CODES.get(exit_code, "unknown") if exit_code is not None else "unknown"
    if exit_code in NO_RETRY_EXIT_CODES:
        raise AirflowFailException(
            f"The datakit of task {task_id} exited with code {exit_code} ({meaning}); trying "
            f"again cannot help, so the task fails without a retry. Its log says what to fix."
        ) from error
    # 1, 5 and anything else: the try fails and Airflow retries it (`retries`).
    raise error


def _pod_exit_code(operator):
    """The exit code of the datakit container of the operator's last pod, if it has one."""
    for pod in (getattr(operator, "remote_pod", None), getattr(operator, "pod", None)):
        statuses = getattr(getattr(pod, "status", None), "container_statuses", None) or []
        for status in statuses:
            terminated = getattr(getattr(status, "state", None), "terminated", None)
            if status.name == operator.base_container_name and terminated is not None:
                return terminated.exit_code
    return None


def _docker_exit_code(operator, error):
    """The exit code of the operator's container, from Docker or from the error's text."""
    container = getattr(operator, "container", None)
    if container:
        try:
            return operator.cli.inspect_container(container["Id"])["State"]["ExitCode"]
        except Exception:  # noqa: BLE001 - the error's text below is the fallback
            pass
    match = re.search(r"'StatusCode': (\d+)", str(error))
    return int(match.group(1)) if match else None


_CLASSES = {}


def _pod_operator_class():
    if "pod" not in _CLASSES:
        from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
        from kubernetes.client import models as k8s

        if "restart_policy" not in k8s.V1Container.attribute_map:
            raise ImportError(
                "The kubernetes Python client installed here does not know the restartPolicy "
                "of a container, so the Kerberos sidecar (a native sidecar) would block the "
                "pod. Install kubernetes 29.0 or newer (apache-airflow-providers-cncf-kubernetes "
                "10.x requires it)."
            )

        class DatakitPodOperator(KubernetesPodOperator):
            """A KubernetesPodOperator that maps the datakit's exit code to fail or retry."""

            def execute(self, context):
                try:
                    return super().execute(context)
                except AirflowFailException:
                    raise
                except Exception as error:  # noqa: BLE001 - re-raised by _fail_or_retry
                    _fail_or_retry(self.task_id, _pod_exit_code(self), error)

        _CLASSES["pod"] = DatakitPodOperator
    return _CLASSES["pod"]


def _docker_operator_class():
    if "docker" not in _CLASSES:
        from airflow.providers.docker.operators.docker import DockerOperator

        class DatakitDockerOperator(DockerOperator):
            """A DockerOperator that maps the datakit's exit code to fail or retry."""

            def execute(self, context):
                try:
                    return super().execute(context)
                except AirflowFailException:
                    raise
                except Exception as error:  # noqa: BLE001 - re-raised by _fail_or_retry
                    _fail_or_retry(self.task_id, _docker_exit_code(self, error), error)

        _CLASSES["docker"] = DatakitDockerOperator
    return _CLASSES["docker"]


def _docker_mounts(mounts):
    from docker.types import Mount

    return [
        Mount(
            target=mount["target"],
            source=mount["source"],
            type=mount["type"],
            read_only=mount["read_only"],
        )
        for mount in mounts
    ]


class DatakitOperator:
    """Makes the Airflow task of one pinned datakit; see ``create``."""

    @staticmethod
    def create(
        *,
        task_id,
        datakit,
        version,
        digest,
        outlets,
        kubernetes=None,
        docker=None,
        retries=2,
        retry_delay_seconds=300,
        execution_timeout_seconds=21600,
        doc_md=None,
    ):
        """The task running ``datakit`` at ``digest``: a KubernetesPodOperator when
        ``kubernetes`` is given (``namespace``, ``name``, ``pod_template``, ``startup_timeout_seconds``),
        a DockerOperator when ``docker`` is (``image``, ``command``, ``environment``, ``mounts``,
        ``network_mode``, ``docker_url``)."""
        if (kubernetes is None) == (docker is None):
            raise ValueError(f"{task_id}: give exactly one of kubernetes= and docker=")
        image = (kubernetes or {}).get("image") or (docker or {}).get("image", "")
        if not image.endswith("@" + digest):
            raise ValueError(f"{task_id}: the image {image} is not the pinned digest {digest}")
        retry_delay = datetime.timedelta(seconds=retry_delay_seconds)
        execution_timeout = datetime.timedelta(seconds=execution_timeout_seconds)
        doc = doc_md or f"datakit `{datakit}` {version} (`{digest}`)"
        if kubernetes is not None:
            return _pod_operator_class()(
                task_id=task_id,
                namespace=kubernetes["namespace"],
                name=kubernetes["name"],
                random_name_suffix=True,
                pod_template_dict=kubernetes["pod_template"],
                base_container_name=BASE_CONTAINER,
                get_logs=True,
                startup_timeout_seconds=kubernetes["startup_timeout_seconds"],
                on_finish_action="delete_succeeded_pod",
                deferrable=False,
                retries=retries,
                retry_delay=retry_delay,
                execution_timeout=execution_timeout,
                outlets=outlets,
                doc_md=doc,
            )
        return _docker_operator_class()(
            task_id=task_id,
            image=docker["image"],
            command=docker["command"],
            environment=docker["environment"],
            mounts=_docker_mounts(docker["mounts"]),
            network_mode=docker["network_mode"],
            docker_url=docker["docker_url"],
            mount_tmp_dir=False,
            auto_remove="success",
            retries=retries,
            retry_delay=retry_delay,
            execution_timeout=execution_timeout,
            outlets=outlets,
            doc_md=doc,
        )
