# Rendered by `datakit render analytics --env prod --format airflow`; do not edit.
# Warehouse analytics, environment prod (kubernetes), lock revision d10b376793ed.
"""The pinned datakits of the analytics warehouse (environment prod) as Airflow DAGs."""

from __future__ import annotations

import datetime

from datakit_airflow import DAG, Asset, DatakitOperator, require_version

require_version("1.0.0")

START_DATE = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)


with DAG(
    dag_id="datakit_analytics_prod",
    schedule="15 2 * * *",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    tags=["datakit", "analytics", "prod"],
    doc_md="datakit pins of the analytics warehouse, environment prod; rendered from its lock by `datakit render --format airflow`.",
) as datakit_analytics_prod:
    DatakitOperator.create(
        task_id="pagila-bronze",
        datakit="pagila-bronze",
        version="1.0.3",
        digest="sha256:2970fe30c7e89262094f4a0dad413da46a2aa80798505486024afa80adac627f",
        outlets=[
            Asset(uri="datakit://analytics/prod/pagila-bronze"),
            Asset(uri="postgres://pg-prod.corp.example:5432/warehouse/bronze/actor"),
            Asset(uri="postgres://pg-prod.corp.example:5432/warehouse/bronze/address"),
            Asset(uri="postgres://pg-prod.corp.example:5432/warehouse/bronze/category"),
            Asset(uri="postgres://pg-prod.corp.example:5432/warehouse/bronze/city"),
            Asset(uri="postgres://pg-prod.corp.example:5432/warehouse/bronze/country"),
            Asset(uri="postgres://pg-prod.corp.example:5432/warehouse/bronze/customer"),
            Asset(uri="postgres://pg-prod.corp.example:5432/warehouse/bronze/film"),
            Asset(uri="postgres://pg-prod.corp.example:5432/warehouse/bronze/film_actor"),
            Asset(uri="postgres://pg-prod.corp.example:5432/warehouse/bronze/film_category"),
            Asset(uri="postgres://pg-prod.corp.example:5432/warehouse/bronze/inventory"),
            Asset(uri="postgres://pg-prod.corp.example:5432/warehouse/bronze/language"),
            Asset(uri="postgres://pg-prod.corp.example:5432/warehouse/bronze/payment"),
            Asset(uri="postgres://pg-prod.corp.example:5432/warehouse/bronze/rental"),
            Asset(uri="postgres://pg-prod.corp.example:5432/warehouse/bronze/staff"),
            Asset(uri="postgres://pg-prod.corp.example:5432/warehouse/bronze/store"),
        ],
        kubernetes={
            "namespace": "data-analytics",
            "name": "analytics-pagila-bronze",
            "image": "registry.corp.example/pagila-bronze@sha256:2970fe30c7e89262094f4a0dad413da46a2aa80798505486024afa80adac627f",
            "startup_timeout_seconds": 300,
            "pod_template": {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "labels": {
                        "app.kubernetes.io/managed-by": "datakit",
                        "dev.datakit/datakit": "pagila-bronze",
                        "dev.datakit/digest": "2970fe30c7e89262094f4a0dad413da46a2aa80798505486024afa80adac627",
                        "dev.datakit/environment": "prod",
                        "dev.datakit/role": "datakit",
                        "dev.datakit/version": "1.0.3",
                        "dev.datakit/warehouse": "analytics",
                    },
                },
                "spec": {
                    "serviceAccountName": "datakit-analytics",
                    "automountServiceAccountToken": False,
                    "enableServiceLinks": False,
                    "restartPolicy": "Never",
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": 10001,
                        "runAsGroup": 10001,
                        "fsGroup": 10001,
                        "seccompProfile": {
                            "type": "RuntimeDefault",
                        },
                    },
                    "imagePullSecrets": [
                        {
                            "name": "registry-corp-example",
                        },
                    ],
                    "initContainers": [
                        {
                            "name": "kerberos-sidecar",
                            "image": "registry.corp.example/kerberos-sidecar@sha256:5c1de0b6f2a7c3e4d5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c",
                            "imagePullPolicy": "IfNotPresent",
                            "restartPolicy": "Always",
                            "args": ["run"],
                            "env": [
                                {
                                    "name": "SIDECAR_PRINCIPAL",
                                    "value": "datakit-loader@CORP.EXAMPLE",
                                },
                                {
                                    "name": "SIDECAR_KEYTAB",
                                    "value": "file:/run/secrets/datakit/datakit-loader.keytab",
                                },
                                {
                                    "name": "SIDECAR_KRB5_CONFIG",
                                    "value": "/etc/krb5.conf",
                                },
                                {
                                    "name": "SIDECAR_CCACHE",
                                    "value": "FILE:/var/run/datakit/krb5/ccache",
                                },
                                {
                                    "name": "SIDECAR_READY_FILE",
                                    "value": "/var/run/datakit/krb5/ready",
                                },
                                {
                                    "name": "SIDECAR_KEYTAB_DIR",
                                    "value": "/var/run/datakit/keytab",
                                },
                                {
                                    "name": "SIDECAR_RENEW_MARGIN_SECONDS",
                                    "value": "300",
                                },
                                {
                                    "name": "SIDECAR_HTTP_PORT",
                                    "value": "8754",
                                },
                                {
                                    "name": "SIDECAR_CACHE_UID",
                                    "value": "10001",
                                },
                                {
                                    "name": "SIDECAR_CACHE_GID",
                                    "value": "10001",
                                },
                            ],
                            "startupProbe": {
                                "exec": {
                                    "command": [
                                        "test",
                                        "-f",
                                        "/var/run/datakit/krb5/ready",
                                    ],
                                },
                                "periodSeconds": 2,
                                "timeoutSeconds": 1,
                                "failureThreshold": 60,
                            },
                            "resources": {
                                "requests": {
                                    "cpu": "10m",
                                    "memory": "32Mi",
                                },
                                "limits": {
                                    "memory": "128Mi",
                                },
                            },
                            "securityContext": {
                                "allowPrivilegeEscalation": False,
                                "readOnlyRootFilesystem": True,
                                "capabilities": {
                                    "drop": ["ALL"],
                                },
                            },
                            "volumeMounts": [
                                {
                                    "name": "krb5-ticket-cache",
                                    "mountPath": "/var/run/datakit/krb5",
                                },
                                {
                                    "name": "keytab-scratch",
                                    "mountPath": "/var/run/datakit/keytab",
                                },
                                {
                                    "name": "sidecar-datakit",
                                    "mountPath": "/run/secrets/datakit",
                                    "readOnly": True,
                                },
                            ],
                        },
                    ],
                    "containers": [
                        {
                            "name": "base",
                            "image": "registry.corp.example/pagila-bronze@sha256:2970fe30c7e89262094f4a0dad413da46a2aa80798505486024afa80adac627f",
                            "imagePullPolicy": "IfNotPresent",
                            "args": ["run"],
                            "env": [
                                {
                                    "name": "DATAKIT_CONFIG",
                                    "value": "/etc/datakit/config.json",
                                },
                                {
                                    "name": "KRB5CCNAME",
                                    "value": "FILE:/var/run/datakit/krb5/ccache",
                                },
                                {
                                    "name": "KRB5_CONFIG",
                                    "value": "/etc/krb5.conf",
                                },
                            ],
                            "resources": {
                                "requests": {
                                    "cpu": "250m",
                                    "memory": "256Mi",
                                },
                                "limits": {
                                    "memory": "1Gi",
                                },
                            },
                            "securityContext": {
                                "allowPrivilegeEscalation": False,
                                "readOnlyRootFilesystem": True,
                                "capabilities": {
                                    "drop": ["ALL"],
                                },
                            },
                            "volumeMounts": [
                                {
                                    "name": "datakit-config",
                                    "mountPath": "/etc/datakit",
                                    "readOnly": True,
                                },
                                {
                                    "name": "krb5-ticket-cache",
                                    "mountPath": "/var/run/datakit/krb5",
                                    "readOnly": True,
                                },
                                {
                                    "name": "tmp",
                                    "mountPath": "/tmp",
                                },
                                {
                                    "name": "datakit-datakit",
                                    "mountPath": "/run/secrets/datakit",
                                    "readOnly": True,
                                },
                            ],
                        },
                    ],
                    "volumes": [
                        {
                            "name": "krb5-ticket-cache",
                            "emptyDir": {
                                "medium": "Memory",
                                "sizeLimit": "1Mi",
                            },
                        },
                        {
                            "name": "keytab-scratch",
                            "emptyDir": {
                                "medium": "Memory",
                                "sizeLimit": "1Mi",
                            },
                        },
                        {
                            "name": "datakit-config",
                            "configMap": {
                                "name": "analytics-pagila-bronze-config",
                                "items": [
                                    {
                                        "key": "config.json",
                                        "path": "config.json",
                                    },
                                ],
                                "defaultMode": 292,
                            },
                        },
                        {
                            "name": "tmp",
                            "emptyDir": {
                                "sizeLimit": "256Mi",
                            },
                        },
                        {
                            "name": "sidecar-datakit",
                            "secret": {
                                "secretName": "datakit",
                                "items": [
                                    {
                                        "key": "datakit-loader.keytab",
                                        "path": "datakit-loader.keytab",
                                    },
                                ],
                                "defaultMode": 288,
                            },
                        },
                        {
                            "name": "datakit-datakit",
                            "secret": {
                                "secretName": "datakit",
                                "items": [
                                    {
                                        "key": "pagila_reader.password",
                                        "path": "pagila_reader.password",
                                    },
                                    {
                                        "key": "warehouse_loader.password",
                                        "path": "warehouse_loader.password",
                                    },
                                ],
                                "defaultMode": 288,
                            },
                        },
                    ],
                },
            },
        },
        retries=2,
        retry_delay_seconds=300,
        execution_timeout_seconds=21600,
    )
