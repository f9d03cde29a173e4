"""Imports a rendered DAG folder with stand-ins for Airflow and its providers (Airflow cannot be
installed here) and runs each task's execute() as if its datakit had exited with 0..5, to show
what Airflow would do: "ok", "fail" (AirflowFailException: no retry) or "retry" (any other
exception). The stand-in operators accept only the keywords of provider-signatures.json.

Usage: python3 run_with_airflow_stubs.py <dag folder> <signatures.json>
"""

from __future__ import annotations

import importlib.util
import json
import sys
import types

FOLDER, SIGNATURES = sys.argv[1], json.load(open(sys.argv[2]))
CREATED = []
EXIT = {"code": 0}


def module(name, **attrs):
    mod = types.ModuleType(name)
    mod.__dict__.update(attrs)
    sys.modules[name] = mod
    return mod


class AirflowFailException(Exception):
    pass


class DAG:
    def __init__(self, **kwargs):
        self.kwargs = kwargs

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class Asset:
    def __init__(self, *, uri, extra=None):
        self.uri = uri


def operator(name):
    allowed = set(SIGNATURES[name]["parameters"]) | set(SIGNATURES["BaseOperator"]["parameters"])

    class Operator:
        def __init__(self, **kwargs):
            unknown = set(kwargs) - allowed
            if unknown:
                raise TypeError(f"{name} got unexpected keywords {sorted(unknown)}")
            self.__dict__.update(kwargs)
            self.kind = name
            CREATED.append(self)

        def execute(self, context):
            code = EXIT["code"]
            if name == "KubernetesPodOperator":
                state = types.SimpleNamespace(terminated=types.SimpleNamespace(exit_code=code))
                status = types.SimpleNamespace(name=self.base_container_name, state=state)
                self.remote_pod = types.SimpleNamespace(status=types.SimpleNamespace(container_statuses=[status]))
                if code:
                    raise RuntimeError(f"Pod returned a failure: exit code {code}")
            else:
                self.container = None  # no engine to ask: the error's text carries the code
                if code:
                    raise RuntimeError(f"Docker container failed: {{'Error': None, 'StatusCode': {code}}}")
            return None

    Operator.__name__ = name
    return Operator


module("airflow")
module("airflow.sdk", DAG=DAG, Asset=Asset)
module("airflow.sdk.exceptions", AirflowFailException=AirflowFailException)
for path in ("airflow.providers", "airflow.providers.cncf", "airflow.providers.cncf.kubernetes",
             "airflow.providers.cncf.kubernetes.operators", "airflow.providers.docker",
             "airflow.providers.docker.operators", "kubernetes", "kubernetes.client", "docker"):
    module(path)
module("airflow.providers.cncf.kubernetes.operators.pod", KubernetesPodOperator=operator("KubernetesPodOperator"))
module("airflow.providers.docker.operators.docker", DockerOperator=operator("DockerOperator"))
module("kubernetes.client.models", V1Container=types.SimpleNamespace(attribute_map={"restart_policy": "restartPolicy"}))
sys.modules["kubernetes.client"].models = sys.modules["kubernetes.client.models"]
module("docker.types", Mount=lambda **kwargs: kwargs)
sys.path.insert(0, FOLDER)

import pathlib  # noqa: E402

outcomes = {}
for dag_file in sorted(pathlib.Path(FOLDER).glob("*.py")):
    spec = importlib.util.spec_from_file_location(dag_file.stem, dag_file)
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
for task in CREATED:
    results = {}
    for code in range(6):
        EXIT["code"] = code
        try:
            task.execute({})
            results[code] = "ok"
        except AirflowFailException:
            results[code] = "fail"
        except Exception:  # noqa: BLE001
            results[code] = "retry"
    outcomes[f"{task.kind}:{task.task_id}"] = {"operator": task.kind, "retries": task.retries,
                              "outlets": [a.uri for a in task.outlets], "exit": results}
print(json.dumps(outcomes, indent=2, sort_keys=True))
