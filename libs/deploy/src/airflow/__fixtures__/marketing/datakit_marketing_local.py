# Rendered by `datakit render marketing --env local --format airflow`; do not edit.
# Warehouse marketing, environment local (docker), lock revision 8e4dc73134e9.
"""The pinned datakits of the marketing warehouse (environment local) as Airflow DAGs."""

from __future__ import annotations

import datetime

from datakit_airflow import DAG, Asset, DatakitOperator, require_version

require_version("1.0.0")

START_DATE = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)


with DAG(
    dag_id="datakit_marketing_local",
    schedule="0 5 * * 1-5",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    tags=["datakit", "marketing", "local"],
    doc_md="datakit pins of the marketing warehouse, environment local; rendered from its lock by `datakit render --format airflow`.",
) as datakit_marketing_local:
    DatakitOperator.create(
        task_id="pagila-bronze",
        datakit="pagila-bronze",
        version="1.0.3",
        digest="sha256:2970fe30c7e89262094f4a0dad413da46a2aa80798505486024afa80adac627f",
        outlets=[
            Asset(uri="datakit://marketing/local/pagila-bronze"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/marketing/actor"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/marketing/address"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/marketing/category"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/marketing/city"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/marketing/country"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/marketing/customer"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/marketing/film"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/marketing/film_actor"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/marketing/film_category"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/marketing/inventory"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/marketing/language"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/marketing/payment"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/marketing/rental"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/marketing/staff"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/marketing/store"),
        ],
        docker={
            "image": "127.0.0.1:5000/pagila-bronze@sha256:2970fe30c7e89262094f4a0dad413da46a2aa80798505486024afa80adac627f",
            "command": ["run"],
            "environment": {
                "DATAKIT_CONFIG": "/etc/datakit/config.json",
                "KRB5CCNAME": "FILE:/var/run/datakit/krb5/ccache",
                "KRB5_CONFIG": "/etc/datakit/krb5.conf",
            },
            "mounts": [
                {
                    "source": "/srv/datakit/warehouses/marketing/.datakit/local/pagila-bronze.config.1ebfa82c4528.json",
                    "target": "/etc/datakit/config.json",
                    "type": "bind",
                    "read_only": True,
                },
                {
                    "source": "/srv/datakit/.infra/secrets/datakit/pagila_reader.password",
                    "target": "/run/secrets/datakit/pagila_reader.password",
                    "type": "bind",
                    "read_only": True,
                },
                {
                    "source": "/srv/datakit/.infra/secrets/datakit/warehouse_loader.password",
                    "target": "/run/secrets/datakit/warehouse_loader.password",
                    "type": "bind",
                    "read_only": True,
                },
                {
                    "source": "/srv/datakit/.infra/kerberos/krb5.conf",
                    "target": "/etc/datakit/krb5.conf",
                    "type": "bind",
                    "read_only": True,
                },
                {
                    "source": "datakit-marketing-local-krb5",
                    "target": "/var/run/datakit/krb5",
                    "type": "volume",
                    "read_only": True,
                },
            ],
            "network_mode": "host",
            "docker_url": None,
        },
        retries=2,
        retry_delay_seconds=300,
        execution_timeout_seconds=21600,
    )


with DAG(
    dag_id="datakit_marketing_local_hello",
    schedule=None,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    tags=["datakit", "marketing", "local"],
    doc_md="datakit pins of the marketing warehouse, environment local; rendered from its lock by `datakit render --format airflow`.",
) as datakit_marketing_local_hello:
    DatakitOperator.create(
        task_id="hello",
        datakit="hello",
        version="0.3.0",
        digest="sha256:f63fe792fb5eb01863a6b1f4863145e9591fd2d58e0655838472e1438be00ae7",
        outlets=[
            Asset(uri="datakit://marketing/local/hello"),
        ],
        docker={
            "image": "127.0.0.1:5000/hello@sha256:f63fe792fb5eb01863a6b1f4863145e9591fd2d58e0655838472e1438be00ae7",
            "command": ["run"],
            "environment": {
                "DATAKIT_CONFIG": "/etc/datakit/config.json",
                "KRB5CCNAME": "FILE:/var/run/datakit/krb5/ccache",
                "KRB5_CONFIG": "/etc/datakit/krb5.conf",
            },
            "mounts": [
                {
                    "source": "/srv/datakit/warehouses/marketing/.datakit/local/hello.config.9ef21254e04a.json",
                    "target": "/etc/datakit/config.json",
                    "type": "bind",
                    "read_only": True,
                },
                {
                    "source": "/srv/datakit/.infra/secrets/datakit/pagila_reader.password",
                    "target": "/run/secrets/datakit/pagila_reader.password",
                    "type": "bind",
                    "read_only": True,
                },
                {
                    "source": "/srv/datakit/.infra/secrets/datakit/warehouse_loader.password",
                    "target": "/run/secrets/datakit/warehouse_loader.password",
                    "type": "bind",
                    "read_only": True,
                },
                {
                    "source": "/srv/datakit/.infra/kerberos/krb5.conf",
                    "target": "/etc/datakit/krb5.conf",
                    "type": "bind",
                    "read_only": True,
                },
                {
                    "source": "datakit-marketing-local-krb5",
                    "target": "/var/run/datakit/krb5",
                    "type": "volume",
                    "read_only": True,
                },
            ],
            "network_mode": "host",
            "docker_url": None,
        },
        retries=2,
        retry_delay_seconds=300,
        execution_timeout_seconds=21600,
    )
