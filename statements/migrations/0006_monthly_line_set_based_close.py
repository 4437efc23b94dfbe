"""The set-based monthly close writes a chunk's lines in one statement (statements/monthly_bills.py): their
per-row checks cost as much as the aggregation (BENCHMARKS.md "Monthly close against its floor"), so

- the lines' workspace and billing item keep no database FK constraint nor single-column index (copied from
  the daily bill lines, valid by construction, as quota.BillLine; Django still PROTECTs on delete);
- the guard "no write to the lines of a final bill" (migration 0002) is checked once per statement, over the
  statement's transition tables, instead of once per row. Same refusal, same error code."""

import django.db.models.deletion
from django.db import migrations, models

SQL = r"""
DROP TRIGGER IF EXISTS statements_monthlybillline_guard ON statements_monthlybillline;

CREATE OR REPLACE FUNCTION statements_monthlybillline_statement_guard() RETURNS trigger AS $$
DECLARE
    final_id bigint;
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT b.id INTO final_id FROM new_rows r JOIN statements_monthlybill b ON b.id = r.monthly_bill_id
        WHERE b.status = 'final' LIMIT 1;
    END IF;
    IF final_id IS NULL AND TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT b.id INTO final_id FROM old_rows r JOIN statements_monthlybill b ON b.id = r.monthly_bill_id
        WHERE b.status = 'final' LIMIT 1;
    END IF;
    IF final_id IS NOT NULL THEN
        RAISE EXCEPTION 'monthly bill % is final and cannot change', final_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER statements_monthlybillline_guard_insert
    AFTER INSERT ON statements_monthlybillline REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION statements_monthlybillline_statement_guard();
CREATE TRIGGER statements_monthlybillline_guard_update
    AFTER UPDATE ON statements_monthlybillline REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION statements_monthlybillline_statement_guard();
CREATE TRIGGER statements_monthlybillline_guard_delete
    AFTER DELETE ON statements_monthlybillline REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION statements_monthlybillline_statement_guard();
"""

REVERSE = r"""
DROP TRIGGER IF EXISTS statements_monthlybillline_guard_insert ON statements_monthlybillline;
DROP TRIGGER IF EXISTS statements_monthlybillline_guard_update ON statements_monthlybillline;
DROP TRIGGER IF EXISTS statements_monthlybillline_guard_delete ON statements_monthlybillline;
DROP FUNCTION IF EXISTS statements_monthlybillline_statement_guard();
CREATE TRIGGER statements_monthlybillline_guard
    BEFORE INSERT OR UPDATE OR DELETE ON statements_monthlybillline
    FOR EACH ROW EXECUTE FUNCTION statements_monthlybill_child_guard();
"""


class Migration(migrations.Migration):

    dependencies = [
        ("plans", "0007_admin_verbose_names_zh"),
        ("statements", "0005_admin_verbose_names_zh"),
        ("workspaces", "0009_admin_verbose_names_zh"),
    ]

    operations = [
        migrations.AlterField(
            model_name="monthlybillline",
            name="billing_item",
            field=models.ForeignKey(db_constraint=False, db_index=False,
                                    on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="plans.billingitem", verbose_name="billing item"),
        ),
        migrations.AlterField(
            model_name="monthlybillline",
            name="workspace",
            field=models.ForeignKey(db_constraint=False, db_index=False,
                                    on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="workspaces.workspace", verbose_name="workspace"),
        ),
        migrations.RunSQL(SQL, REVERSE),
    ]
