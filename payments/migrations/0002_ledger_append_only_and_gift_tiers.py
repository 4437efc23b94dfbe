"""The ledger is append-only in the database itself, and the card-purchase gift tiers (docs/PRODUCT.md "The wallet")."""

from decimal import Decimal

from django.db import migrations

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION payments_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'payments_ledgerentry is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER payments_ledger_no_update_delete
    BEFORE UPDATE OR DELETE ON payments_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION payments_ledger_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS payments_ledger_no_update_delete ON payments_ledgerentry;
DROP FUNCTION IF EXISTS payments_ledger_append_only();
"""

TIERS = [("10000", "1000"), ("30000", "5000"), ("100000", "20000")]


def seed_tiers(apps, schema_editor):
    CardGiftTier = apps.get_model("payments", "CardGiftTier")
    for minimum, value in TIERS:
        CardGiftTier.objects.create(min_purchase=Decimal(minimum), voucher_value=Decimal(value))


def unseed_tiers(apps, schema_editor):
    apps.get_model("payments", "CardGiftTier").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]
    operations = [
        migrations.RunSQL(APPEND_ONLY, DROP),
        migrations.RunPython(seed_tiers, unseed_tiers),
    ]
