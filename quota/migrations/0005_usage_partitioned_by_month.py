"""quota_usagerecord becomes partitioned by month (RANGE on day; quota/partitions.py, docs/RULES-quota.md
"Partitions and queues"). Django has no notion of partitioning: the table is rebuilt here in SQL with the same
columns, the same constraint and index names, and every existing row, and the model's state does not change
(the model stays managed; `makemigrations --check` stays clean).

- The primary key becomes (id, day) and the unique (workspace, billing_item, day) already includes the
  partition key, as PostgreSQL requires of every unique index of a partitioned table. `id` keeps its values
  and takes new ones from a sequence owned by the column (PostgreSQL 15 has no identity on partitioned tables).
- Partitions: one per month that holds rows, the current month and two ahead, and a default partition.
- The reverse rebuilds the plain table (identity id, same names), also with every row.
"""

from django.db import migrations

PARENT = "quota_usagerecord"
OLD = "quota_usagerecord_unpartitioned"


def _months(cursor):
    cursor.execute(
        f"SELECT DISTINCT date_trunc('month', day)::date FROM {OLD}"
        " UNION SELECT (date_trunc('month', current_date) + make_interval(months => g))::date"
        " FROM generate_series(0, 2) g ORDER BY 1"
    )
    return [row[0] for row in cursor.fetchall()]


def _indexes_and_foreign_keys(cursor):
    cursor.execute(f"CREATE INDEX quota_usage_day_ea1716_idx ON {PARENT} (day, account_id)")
    cursor.execute(f"CREATE INDEX quota_usagerecord_account_id_752adc5e ON {PARENT} (account_id)")
    for name, column, target in (
        ("quota_usagerecord_account_id_752adc5e_fk_workspaces_account_id", "account_id", "workspaces_account"),
        ("quota_usagerecord_billing_item_id_15011e9d_fk_plans_bil", "billing_item_id", "plans_billingitem"),
        ("quota_usagerecord_workspace_id_ea55df27_fk_workspace", "workspace_id", "workspaces_workspace"),
    ):
        cursor.execute(f"ALTER TABLE {PARENT} ADD CONSTRAINT {name} FOREIGN KEY ({column})"
                       f" REFERENCES {target} (id) DEFERRABLE INITIALLY DEFERRED")


def partition_usage(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT relkind FROM pg_class WHERE oid = '{PARENT}'::regclass")
        if cursor.fetchone()[0] == "p":
            return  # already partitioned
        cursor.execute(f"LOCK TABLE {PARENT} IN ACCESS EXCLUSIVE MODE")
        cursor.execute(f"SELECT count(*) FROM {PARENT}")
        (before,) = cursor.fetchone()
        cursor.execute(f"ALTER TABLE {PARENT} RENAME TO {OLD}")
        cursor.execute(f"""
            CREATE TABLE {PARENT} (
                id bigint NOT NULL,
                day date NOT NULL,
                quantity bigint NOT NULL,
                updated_at timestamp with time zone NOT NULL,
                account_id bigint NOT NULL,
                billing_item_id bigint NOT NULL,
                workspace_id bigint NOT NULL,
                CONSTRAINT usage_quantity_non_negative CHECK (quantity >= 0)
            ) PARTITION BY RANGE (day)
        """)
        cursor.execute(f"CREATE TABLE {PARENT}_default PARTITION OF {PARENT} DEFAULT")
        for month in _months(cursor):
            cursor.execute(
                f"CREATE TABLE {PARENT}_p{month:%Y_%m} PARTITION OF {PARENT}"
                " FOR VALUES FROM (%s) TO ((%s::date + interval '1 month')::date)",
                [month, month],
            )
        cursor.execute(
            f"INSERT INTO {PARENT} (id, day, quantity, updated_at, account_id, billing_item_id, workspace_id)"
            f" SELECT id, day, quantity, updated_at, account_id, billing_item_id, workspace_id FROM {OLD}"
        )
        cursor.execute(f"SELECT count(*) FROM {PARENT}")
        (after,) = cursor.fetchone()
        if after != before:
            raise RuntimeError(f"usage partitioning copied {after} of {before} rows")
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {OLD}")
        (last_id,) = cursor.fetchone()
        cursor.execute(f"DROP TABLE {OLD}")  # its identity sequence and its constraint names go with it
        cursor.execute(f"CREATE SEQUENCE {PARENT}_id_seq OWNED BY {PARENT}.id")
        if last_id:
            cursor.execute(f"SELECT setval('{PARENT}_id_seq', %s)", [last_id])
        cursor.execute(f"ALTER TABLE {PARENT} ALTER COLUMN id SET DEFAULT nextval('{PARENT}_id_seq')")
        cursor.execute(f"ALTER TABLE {PARENT} ADD CONSTRAINT {PARENT}_pkey PRIMARY KEY (id, day)")
        cursor.execute(f"ALTER TABLE {PARENT} ADD CONSTRAINT usage_unique_per_day"
                       " UNIQUE (workspace_id, billing_item_id, day)")
        _indexes_and_foreign_keys(cursor)
        cursor.execute(f"ANALYZE {PARENT}")


def unpartition_usage(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT relkind FROM pg_class WHERE oid = '{PARENT}'::regclass")
        if cursor.fetchone()[0] != "p":
            return
        cursor.execute(f"LOCK TABLE {PARENT} IN ACCESS EXCLUSIVE MODE")
        cursor.execute(f"ALTER TABLE {PARENT} RENAME TO {OLD}")
        cursor.execute(f"ALTER SEQUENCE {PARENT}_id_seq RENAME TO {OLD}_id_seq")
        cursor.execute(f"""
            CREATE TABLE {PARENT} (
                id bigint NOT NULL GENERATED BY DEFAULT AS IDENTITY,
                day date NOT NULL,
                quantity bigint NOT NULL,
                updated_at timestamp with time zone NOT NULL,
                account_id bigint NOT NULL,
                billing_item_id bigint NOT NULL,
                workspace_id bigint NOT NULL,
                CONSTRAINT usage_quantity_non_negative CHECK (quantity >= 0)
            )
        """)
        cursor.execute(
            f"INSERT INTO {PARENT} (id, day, quantity, updated_at, account_id, billing_item_id, workspace_id)"
            f" OVERRIDING SYSTEM VALUE"
            f" SELECT id, day, quantity, updated_at, account_id, billing_item_id, workspace_id FROM {OLD}"
        )
        cursor.execute(f"SELECT last_value, is_called FROM {OLD}_id_seq")
        last_value, is_called = cursor.fetchone()
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{PARENT}', 'id'), %s, %s)", [last_value, is_called])
        cursor.execute(f"DROP TABLE {OLD} CASCADE")
        cursor.execute(f"ALTER TABLE {PARENT} ADD CONSTRAINT {PARENT}_pkey PRIMARY KEY (id)")
        cursor.execute(f"ALTER TABLE {PARENT} ADD CONSTRAINT usage_unique_per_day"
                       " UNIQUE (workspace_id, billing_item_id, day)")
        _indexes_and_foreign_keys(cursor)


class Migration(migrations.Migration):
    dependencies = [("quota", "0004_bill_line_references")]
    operations = [migrations.RunPython(partition_usage, unpartition_usage, elidable=False)]
