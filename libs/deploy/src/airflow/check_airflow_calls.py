"""Checks a rendered Airflow DAG folder without Airflow: every call of an operator, DAG, Asset
or docker Mount constructor is given only keyword arguments its provider's signature accepts
(the signatures recorded in __fixtures__/provider-signatures.json), DatakitOperator.create gets
the keys the package reads from its kubernetes=/docker= dicts, and prints the pod templates and
Docker settings as JSON for the TypeScript side to validate.

Usage: python3 check_airflow_calls.py <dag folder> <signatures.json>
Prints {"problems": [...], "pods": {task: pod}, "docker": {task: settings}}; exit 1 on problems.
"""

from __future__ import annotations

import ast
import json
import pathlib
import sys


def names_of(node):
    """The dotted name of a call's function: `DAG`, `DatakitOperator.create`, ..."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{names_of(node.value)}.{node.attr}"
    return None


def check_keywords(where, call, allowed, problems):
    if call.args:
        problems.append(f"{where}: {len(call.args)} positional argument(s); only keywords are used")
    for keyword in call.keywords:
        if keyword.arg is None:
            problems.append(f"{where}: **kwargs cannot be checked")
        elif keyword.arg not in allowed:
            problems.append(f"{where}: keyword {keyword.arg}= is not accepted")


def operator_factories(module, signatures):
    """Module-level functions that define a subclass of a provider operator: name -> operator."""
    factories = {}
    for function in module.body:
        if not isinstance(function, ast.FunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ClassDef):
                for base in node.bases:
                    if names_of(base) in signatures:
                        factories[function.name] = names_of(base)
    return factories


def imports_of(module):
    found = {}
    for node in ast.walk(module):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                found.setdefault(alias.name, set()).add(node.module)
    return found


def subscript_keys(function, name):
    """The string keys a function reads from its parameter `name` (`name["key"]`)."""
    keys = set()
    for node in ast.walk(function):
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and node.value.id == name
            and isinstance(node.slice, ast.Constant)
        ):
            keys.add(node.slice.value)
    return keys


def main(folder, signatures_file):
    folder = pathlib.Path(folder)
    signatures = json.loads(pathlib.Path(signatures_file).read_text())
    base = set(signatures["BaseOperator"]["parameters"])
    problems = []
    package_file = folder / "datakit_airflow" / "__init__.py"
    package = ast.parse(package_file.read_text(), str(package_file))

    # The package imports each operator from the module the signatures were read from.
    imports = imports_of(package)
    for operator in ("KubernetesPodOperator", "DockerOperator"):
        if signatures[operator]["import"] not in imports.get(operator, set()):
            problems.append(f"datakit_airflow: {operator} is not imported from {signatures[operator]['import']}")

    factories = operator_factories(package, signatures)
    if sorted(factories.values()) != ["DockerOperator", "KubernetesPodOperator"]:
        problems.append(f"datakit_airflow: expected a subclass of each operator, found {factories}")
    create = None
    for node in ast.walk(package):
        if isinstance(node, ast.FunctionDef) and node.name == "create":
            create = node
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Call):
            factory = names_of(node.func.func)
            if factory in factories:
                operator = factories[factory]
                allowed = set(signatures[operator]["parameters"]) | base
                check_keywords(f"datakit_airflow line {node.lineno} ({operator})", node, allowed, problems)
        if isinstance(node, ast.Call) and names_of(node.func) == "Mount":
            check_keywords(f"datakit_airflow line {node.lineno} (Mount)", node, set(signatures["Mount"]["parameters"]), problems)
    if create is None:
        problems.append("datakit_airflow: DatakitOperator.create is missing")
        return {"problems": problems, "pods": {}, "docker": {}}
    create_params = {a.arg for a in create.args.kwonlyargs}
    required = {a.arg for a, d in zip(create.args.kwonlyargs, create.args.kw_defaults) if d is None}
    # Defaults of None are optional too: the package's own checks say which of them is needed.
    required -= {"kubernetes", "docker", "doc_md"}
    reads = {"kubernetes": subscript_keys(create, "kubernetes"), "docker": subscript_keys(create, "docker")}

    pods, docker = {}, {}
    for dag_file in sorted(folder.glob("*.py")):
        tree = ast.parse(dag_file.read_text(), str(dag_file))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = names_of(node.func)
            where = f"{dag_file.name} line {node.lineno} ({name})"
            if name == "DAG":
                check_keywords(where, node, set(signatures["DAG"]["parameters"]), problems)
            elif name == "Asset":
                check_keywords(where, node, set(signatures["Asset"]["parameters"]), problems)
            elif name == "DatakitOperator.create":
                check_keywords(where, node, create_params, problems)
                given = {k.arg: k.value for k in node.keywords}
                for missing in sorted(required - set(given)):
                    problems.append(f"{where}: {missing}= is required")
                task_id = ast.literal_eval(given["task_id"]) if "task_id" in given else "?"
                for runner, out in (("kubernetes", pods), ("docker", docker)):
                    if runner not in given:
                        continue
                    settings = ast.literal_eval(given[runner])
                    for key in sorted(reads[runner] - set(settings)):
                        problems.append(f"{where}: {runner}= lacks the key {key!r} the package reads")
                    out[f"{dag_file.name}:{task_id}"] = settings
    return {"problems": problems, "pods": pods, "docker": docker}


if __name__ == "__main__":
    result = main(sys.argv[1], sys.argv[2])
    print(json.dumps(result, indent=2, sort_keys=True))
    sys.exit(1 if result["problems"] else 0)
