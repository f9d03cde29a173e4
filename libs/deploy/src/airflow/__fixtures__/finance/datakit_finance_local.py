# Rendered by `datakit render finance --env local --format airflow`; do not edit.
# Warehouse finance, environment local (docker), lock revision 5a8faa8cad18.
"""The pinned datakits of the finance warehouse (environment local) as Airflow DAGs."""

from __future__ import annotations

import datetime

from datakit_airflow import DAG, Asset, DatakitOperator, require_version

require_version("1.0.0")

START_DATE = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)


with DAG(
    dag_id="datakit_finance_local",
    schedule="0 3 * * *",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    tags=["datakit", "finance", "local"],
    doc_md="datakit pins of the finance warehouse, environment local; rendered from its lock by `datakit render --format airflow`.",
) as datakit_finance_local:
    DatakitOperator.create(
        task_id="pagila-bronze",
        datakit="pagila-bronze",
        version="1.0.0",
        digest="sha256:1ebd3120fe39f36335f511df3833bfdc96e4967a4ab7f533869e6ad9f44c583c",
        outlets=[
            Asset(uri="datakit://finance/local/pagila-bronze"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/finance/actor"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/finance/address"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/finance/category"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/finance/city"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/finance/country"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/finance/customer"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/finance/film"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/finance/film_actor"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/finance/film_category"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/finance/inventory"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/finance/language"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/finance/payment"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/finance/rental"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/finance/staff"),
            Asset(uri="postgres://127.0.0.1:5432/warehouse/finance/store"),
        ],
        docker={
            "image": "127.0.0.1:5000/pagila-bronze@sha256:1ebd3120fe39f36335f511df3833bfdc96e4967a4ab7f533869e6ad9f44c583c",
            "command": ["run"],
            "environment": {
                "DATAKIT_CONFIG": "/etc/datakit/config.json",
                "KRB5CCNAME": "FILE:/var/run/datakit/krb5/ccache",
                "KRB5_CONFIG": "/etc/datakit/krb5.conf",
            },
            "mounts": [
                {
                    "source": "/srv/datakit/warehouses/finance/.datakit/local/pagila-bronze.config.4413efb75f0b.json",
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
                    "source": "datakit-finance-local-krb5",
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
