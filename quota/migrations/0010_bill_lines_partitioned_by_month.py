"""quota_billline gains `day` (its bill's day, denormalised) and becomes partitioned by month on it (RANGE on
day, as the usage table in 0005; quota/partitions.py, docs/RULES-quota.md "Partitions and queues"). The table
is rebuilt in SQL with the same columns plus `day`, the same constraint names and every existing row.

- The primary key becomes (id, day) and the unique (bill, workspace, billing_item) gains `day` (PostgreSQL
  requires the partition key in every unique index of a partitioned table). `id` keeps its values and takes new
  ones from a sequence owned by the column.
- `day` always equals the bill's day: a statement-level trigger on the lines (one set-based check of the rows
  each INSERT/UPDATE wrote, cheap enough for the night's 500,000-row insert) and a row trigger on quota_bill
  refusing to move a bill that has lines to another day. Both catch writes that bypass the ORM.
- Partitions: one per month that holds lines, the current month and two ahead, and a default partition.
- A line whose bill is missing (an orphan, which quota.reconcile reports) has no day: the migration stops and
  names their count rather than lose them. The reverse rebuilds the plain table, also with every row.
"""

from django.db import migrations, models

PARENT = "quota_billline"
OLD = "quota_billline_unpartitioned"
COLUMNS = ("id, usage, factor, converted, covered_by_package, covered_by_traffic, overage, unit_price, amount,"
           " bill_id, billing_item_id, package_id, storage_policy_id, workspace_id")
BODY = """
    usage bigint NOT NULL,
    factor smallint NOT NULL CONSTRAINT quota_billline_factor_check CHECK (factor >= 0),
    converted bigint NOT NULL,
    covered_by_package bigint NOT NULL,
    covered_by_traffic bigint NOT NULL,
    overage bigint NOT NULL,
    unit_price numeric(14,4) NOT NULL,
    amount numeric(16,2) NOT NULL,
    bill_id bigint NOT NULL,
    billing_item_id bigint NOT NULL,
    package_id bigint,
    storage_policy_id bigint NOT NULL,
    workspace_id bigint NOT NULL,
    CONSTRAINT bill_line_amount_non_negative CHECK (amount >= 0::numeric),
    CONSTRAINT bill_line_quantities_non_negative
        CHECK (covered_by_package >= 0 AND covered_by_traffic >= 0 AND overage >= 0)
"""

GUARDS = f"""
CREATE FUNCTION quota_billline_day_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM written_lines n JOIN quota_bill b ON b.id = n.bill_id WHERE b.day <> n.day) THEN
        RAISE EXCEPTION 'a bill line''s day must be its bill''s day' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER quota_billline_day_on_insert AFTER INSERT ON {PARENT}
    REFERENCING NEW TABLE AS written_lines FOR EACH STATEMENT EXECUTE FUNCTION quota_billline_day_check();
CREATE TRIGGER quota_billline_day_on_update AFTER UPDATE ON {PARENT}
    REFERENCING NEW TABLE AS written_lines FOR EACH STATEMENT EXECUTE FUNCTION quota_billline_day_check();
CREATE FUNCTION quota_bill_day_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM {PARENT} l WHERE l.bill_id = OLD.id AND l.day = OLD.day) THEN
        RAISE EXCEPTION 'a bill with lines keeps its day' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER quota_bill_day_fixed BEFORE UPDATE OF day ON quota_bill
    FOR EACH ROW WHEN (OLD.day IS DISTINCT FROM NEW.day) EXECUTE FUNCTION quota_bill_day_fixed();
"""
DROP_GUARDS = """
DROP TRIGGER IF EXISTS quota_bill_day_fixed ON quota_bill;
DROP FUNCTION IF EXISTS quota_bill_day_fixed();
DROP FUNCTION IF EXISTS quota_billline_day_check() CASCADE;
"""


def _months(cursor):
    cursor.execute(
        f"SELECT DISTINCT date_trunc('month', b.day)::date FROM {OLD} l JOIN quota_bill b ON b.id = l.bill_id"
        " UNION SELECT (date_trunc('month', current_date) + make_interval(months => g))::date"
        " FROM generate_series(0, 2) g ORDER BY 1"
    )
    return [row[0] for row in cursor.fetchall()]


def partition_lines(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT relkind FROM pg_class WHERE oid = '{PARENT}'::regclass")
        if cursor.fetchone()[0] == "p":
            return  # already partitioned
        cursor.execute(f"LOCK TABLE {PARENT} IN ACCESS EXCLUSIVE MODE")
        cursor.execute("LOCK TABLE quota_bill IN SHARE MODE")
        cursor.execute(f"SELECT count(*), count(*) FILTER (WHERE NOT EXISTS"
                       f" (SELECT 1 FROM quota_bill b WHERE b.id = l.bill_id)) FROM {PARENT} l")
        before, orphans = cursor.fetchone()
        if orphans:
            raise RuntimeError(f"{orphans} bill lines have no bill (see quota.reconcile); remove them first")
        cursor.execute(f"ALTER TABLE {PARENT} RENAME TO {OLD}")
        cursor.execute(f"ALTER TABLE {OLD} RENAME CONSTRAINT {PARENT}_pkey TO {OLD}_pkey")
        cursor.execute(f"ALTER TABLE {OLD} RENAME CONSTRAINT bill_line_unique TO {OLD}_unique")
        cursor.execute(f"CREATE TABLE {PARENT} (id bigint NOT NULL, day date NOT NULL, {BODY})"
                       " PARTITION BY RANGE (day)")
        cursor.execute(f"CREATE TABLE {PARENT}_default PARTITION OF {PARENT} DEFAULT")
        for month in _months(cursor):
            cursor.execute(
                f"CREATE TABLE {PARENT}_p{month:%Y_%m} PARTITION OF {PARENT}"
                " FOR VALUES FROM (%s) TO ((%s::date + interval '1 month')::date)",
                [month, month],
            )
        cursor.execute(f"INSERT INTO {PARENT} (day, {COLUMNS}) SELECT b.day, "
                       + ", ".join(f"l.{c.strip()}" for c in COLUMNS.split(","))
                       + f" FROM {OLD} l JOIN quota_bill b ON b.id = l.bill_id")
        cursor.execute(f"SELECT count(*) FROM {PARENT}")
        (after,) = cursor.fetchone()
        if after != before:
            raise RuntimeError(f"bill line partitioning copied {after} of {before} rows")
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {OLD}")
        (last_id,) = cursor.fetchone()
        cursor.execute(f"DROP TABLE {OLD}")
        cursor.execute(f"CREATE SEQUENCE {PARENT}_id_seq OWNED BY {PARENT}.id")
        if last_id:
            cursor.execute(f"SELECT setval('{PARENT}_id_seq', %s)", [last_id])
        cursor.execute(f"ALTER TABLE {PARENT} ALTER COLUMN id SET DEFAULT nextval('{PARENT}_id_seq')")
        cursor.execute(f"ALTER TABLE {PARENT} ADD CONSTRAINT {PARENT}_pkey PRIMARY KEY (id, day)")
        cursor.execute(f"ALTER TABLE {PARENT} ADD CONSTRAINT bill_line_unique"
                       " UNIQUE (bill_id, workspace_id, billing_item_id, day)")
        cursor.execute(GUARDS)
        cursor.execute(f"ANALYZE {PARENT}")


def unpartition_lines(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT relkind FROM pg_class WHERE oid = '{PARENT}'::regclass")
        if cursor.fetchone()[0] != "p":
            return
        cursor.execute(f"LOCK TABLE {PARENT} IN ACCESS EXCLUSIVE MODE")
        cursor.execute(DROP_GUARDS)
        cursor.execute(f"ALTER TABLE {PARENT} RENAME TO {OLD}")
        cursor.execute(f"ALTER TABLE {OLD} RENAME CONSTRAINT {PARENT}_pkey TO {OLD}_pkey")
        cursor.execute(f"ALTER TABLE {OLD} RENAME CONSTRAINT bill_line_unique TO {OLD}_unique")
        cursor.execute(f"ALTER SEQUENCE {PARENT}_id_seq RENAME TO {OLD}_id_seq")
        cursor.execute(f"CREATE TABLE {PARENT} (id bigint NOT NULL GENERATED BY DEFAULT AS IDENTITY, {BODY})")
        cursor.execute(f"INSERT INTO {PARENT} ({COLUMNS}) OVERRIDING SYSTEM VALUE SELECT {COLUMNS} FROM {OLD}")
        cursor.execute(f"SELECT last_value, is_called FROM {OLD}_id_seq")
        last_value, is_called = cursor.fetchone()
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{PARENT}', 'id'), %s, %s)", [last_value, is_called])
        cursor.execute(f"DROP TABLE {OLD} CASCADE")
        cursor.execute(f"ALTER TABLE {PARENT} ADD CONSTRAINT {PARENT}_pkey PRIMARY KEY (id)")
        cursor.execute(f"ALTER TABLE {PARENT} ADD CONSTRAINT bill_line_unique"
                       " UNIQUE (bill_id, workspace_id, billing_item_id)")


class Migration(migrations.Migration):
    dependencies = [("quota", "0009_admin_verbose_names_zh")]
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="billline", name="day",
                    field=models.DateField(editable=False, help_text="Its bill's day (the partition key).",
                                           verbose_name="day"),
                    preserve_default=False,
                ),
                migrations.RemoveConstraint(model_name="billline", name="bill_line_unique"),
                migrations.AddConstraint(
                    model_name="billline",
                    constraint=models.UniqueConstraint(fields=["bill", "workspace", "billing_item", "day"],
                                                       name="bill_line_unique"),
                ),
            ],
            database_operations=[migrations.RunPython(partition_lines, unpartition_lines, elidable=False)],
        ),
    ]
