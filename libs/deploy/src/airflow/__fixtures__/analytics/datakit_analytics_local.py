# Rendered by `datakit render analytics --env local --format airflow`; do not edit.
# Warehouse analytics, environment local (docker), lock revision d10b376793ed.
"""The pinned datakits of the analytics warehouse (environment local) as Airflow DAGs."""

from __future__ import annotations

import datetime

from datakit_airflow import DAG, Asset, DatakitOperator, require_version

require_version("1.0.0")

START_DATE = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)


with DAG(
    dag_id="datakit_analytics_local",
    schedule="0 */6 * * *",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    tags=["datakit", "analytics", "local"],
    doc_md="datakit pins of the analytics warehouse, environment local; rendered from its lock by `datakit render --format airflow`.",
) as datakit_analytics_local:
    DatakitOperator.create(
        task_id="pagila-bronze",
        datakit="pagila-bronze",
        version="1.0.3",
        digest="sha256:2970fe30c7e89262094f4a0dad413da46a2aa80798505486024afa80adac627f",
        outlets=[
            Asset(uri="datakit://analytics/local/pagila-bronze"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/bronze/actor"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/bronze/address"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/bronze/category"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/bronze/city"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/bronze/country"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/bronze/customer"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/bronze/film"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/bronze/film_actor"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/bronze/film_category"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/bronze/inventory"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/bronze/language"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/bronze/payment"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/bronze/rental"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/bronze/staff"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/bronze/store"),
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
                    "source": "/srv/datakit/warehouses/analytics/.datakit/local/pagila-bronze.config.62654701243f.json",
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
                    "source": "datakit-analytics-local-krb5",
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
