# Rendered by `datakit render finance --env prod --format airflow`; do not edit.
# Warehouse finance, environment prod (kubernetes), lock revision 5a8faa8cad18.
"""The pinned datakits of the finance warehouse (environment prod) as Airflow DAGs."""

from __future__ import annotations

import datetime

from datakit_airflow import DAG, Asset, DatakitOperator, require_version

require_version("1.0.0")

START_DATE = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)


with DAG(
    dag_id="datakit_finance_prod",
    schedule="30 1 * * *",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    tags=["datakit", "finance", "prod"],
    doc_md="datakit pins of the finance warehouse, environment prod; rendered from its lock by `datakit render --format airflow`.",
) as datakit_finance_prod:
    DatakitOperator.create(
        task_id="pagila-bronze",
        datakit="pagila-bronze",
        version="1.0.0",
        digest="sha256:1ebd3120fe39f36335f511df3833bfdc96e4967a4ab7f533869e6ad9f44c583c",
        outlets=[
            Asset(uri="datakit://finance/prod/pagila-bronze"),
            Asset(uri="postgres://pg-prod.corp.example:5432/warehouse/finance/actor"),
            Asset(uri="postgres://pg-prod.corp.example:5432/warehouse/finance/address"),
            Asset(uri="postgres://pg-prod.corp.example:5432/warehouse/finance/category"),
            Asset(uri="postgres://pg-prod.corp.example:5432/warehouse/finance/city"),
            Asset(uri="postgres://pg-prod.corp.example:5432/warehouse/finance/country"),
            Asset(uri="postgres://pg-prod.corp.example:5432/warehouse/finance/customer"),
            Asset(uri="postgres://pg-prod.corp.example:5432/warehouse/finance/film"),
            Asset(uri="postgres://pg-prod.corp.example:5432/warehouse/finance/film_actor"),
            Asset(uri="postgres://pg-prod.corp.example:5432/warehouse/finance/film_category"),
            Asset(uri="postgres://pg-prod.corp.example:5432/warehouse/finance/inventory"),
            Asset(uri="postgres://pg-prod.corp.example:5432/warehouse/finance/language"),
            Asset(uri="postgres://pg-prod.corp.example:5432/warehouse/finance/payment"),
            Asset(uri="postgres://pg-prod.corp.example:5432/warehouse/finance/rental"),
            Asset(uri="postgres://pg-prod.corp.example:5432/warehouse/finance/staff"),
            Asset(uri="postgres://pg-prod.corp.example:5432/warehouse/finance/store"),
        ],
        kubernetes={
            "namespace": "data-finance",
            "name": "finance-pagila-bronze",
            "image": "registry.corp.example/pagila-bronze@sha256:1ebd3120fe39f36335f511df3833bfdc96e4967a4ab7f533869e6ad9f44c583c",
            "startup_timeout_seconds": 300,
            "pod_template": {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "labels": {
                        "app.kubernetes.io/managed-by": "datakit",
                        "dev.datakit/datakit": "pagila-bronze",
                        "dev.datakit/digest": "1ebd3120fe39f36335f511df3833bfdc96e4967a4ab7f533869e6ad9f44c583",
                        "dev.datakit/environment": "prod",
                        "dev.datakit/role": "datakit",
                        "dev.datakit/version": "1.0.0",
                        "dev.datakit/warehouse": "finance",
                    },
                },
                "spec": {
                    "serviceAccountName": "datakit-finance",
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
                                    "value": "delinea:4711/keytab",
                                },
                                {
                                    "name": "SIDECAR_DELINEA_BASE_URL",
                                    "value": "https://secrets.corp.example/SecretServer",
                                },
                                {
                                    "name": "SIDECAR_DELINEA_CREDENTIALS_FILE",
                                    "value": "/run/secrets/delinea/credentials.json",
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
                                    "value": "600",
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
                                    "name": "sidecar-delinea",
                                    "mountPath": "/run/secrets/delinea",
                                    "readOnly": True,
                                },
                            ],
                        },
                    ],
                    "containers": [
                        {
                            "name": "base",
                            "image": "registry.corp.example/pagila-bronze@sha256:1ebd3120fe39f36335f511df3833bfdc96e4967a4ab7f533869e6ad9f44c583c",
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
                                {
                                    "name": "DATAKIT_DELINEA_BASE_URL",
                                    "value": "https://secrets.corp.example/SecretServer",
                                },
                                {
                                    "name": "DATAKIT_DELINEA_CREDENTIALS_FILE",
                                    "value": "/run/secrets/delinea/credentials.json",
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
                                    "name": "datakit-delinea",
                                    "mountPath": "/run/secrets/delinea",
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
                                "name": "finance-pagila-bronze-config",
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
                            "name": "sidecar-delinea",
                            "secret": {
                                "secretName": "delinea",
                                "items": [
                                    {
                                        "key": "credentials.json",
                                        "path": "credentials.json",
                                    },
                                ],
                                "defaultMode": 288,
                            },
                        },
                        {
                            "name": "datakit-delinea",
                            "secret": {
                                "secretName": "delinea",
                                "items": [
                                    {
                                        "key": "credentials.json",
                                        "path": "credentials.json",
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
