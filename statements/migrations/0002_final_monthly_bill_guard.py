"""A final monthly bill cannot change: triggers refuse UPDATE and DELETE of a final bill, and any write to
the lines or settlements of a final bill."""

from django.db import migrations

SQL = r"""
CREATE OR REPLACE FUNCTION statements_monthlybill_guard() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'final' THEN
        RAISE EXCEPTION 'monthly bill % is final and cannot change', OLD.id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER statements_monthlybill_guard
    BEFORE UPDATE OR DELETE ON statements_monthlybill
    FOR EACH ROW EXECUTE FUNCTION statements_monthlybill_guard();

CREATE OR REPLACE FUNCTION statements_monthlybill_child_guard() RETURNS trigger AS $$
DECLARE
    parent_status varchar;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT status INTO parent_status FROM statements_monthlybill WHERE id = OLD.monthly_bill_id;
        IF parent_status = 'final' THEN
            RAISE EXCEPTION 'monthly bill % is final and cannot change', OLD.monthly_bill_id USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT status INTO parent_status FROM statements_monthlybill WHERE id = NEW.monthly_bill_id;
        IF parent_status = 'final' THEN
            RAISE EXCEPTION 'monthly bill % is final and cannot change', NEW.monthly_bill_id USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER statements_monthlybillline_guard
    BEFORE INSERT OR UPDATE OR DELETE ON statements_monthlybillline
    FOR EACH ROW EXECUTE FUNCTION statements_monthlybill_child_guard();
CREATE TRIGGER statements_monthlybillsettlement_guard
    BEFORE INSERT OR UPDATE OR DELETE ON statements_monthlybillsettlement
    FOR EACH ROW EXECUTE FUNCTION statements_monthlybill_child_guard();
"""

REVERSE = r"""
DROP TRIGGER IF EXISTS statements_monthlybillsettlement_guard ON statements_monthlybillsettlement;
DROP TRIGGER IF EXISTS statements_monthlybillline_guard ON statements_monthlybillline;
DROP TRIGGER IF EXISTS statements_monthlybill_guard ON statements_monthlybill;
DROP FUNCTION IF EXISTS statements_monthlybill_child_guard();
DROP FUNCTION IF EXISTS statements_monthlybill_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("statements", "0001_initial")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
