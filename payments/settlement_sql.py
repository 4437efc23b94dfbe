"""The SQL of the set-based settlement (payments/settlement.py), kept beside it like quota/engine.py keeps its
SQL. Run in this order, once per round, inside one transaction:

SETTLE_DDL, SETTLE_FILL   the round's demands into a temporary table;
SETTLE_LOCK               creates missing wallets, then locks wallets by account id, usable cards by id and
                          usable vouchers by id (the order of payments/locks.py, taken here in SQL because the
                          rows of thousands of accounts are locked at once);
SETTLE_ALLOCATE           the allocation over the instruments, one query with window functions;
SETTLE_WRITE              payments, tenders, ledger entries and balances, one statement each;
SETTLE_RESULT             what each demand's payment is.

`SETTLE_ROUND` is all of them in that order, sent as ONE round-trip per round (named parameters throughout).
The temporary tables are dropped at the start of the next round and at commit (ON COMMIT DROP).

Which instruments may pay, their order and the allocation itself are NOT written here: they come from
payments/allocation.py (`usable_sql`, `instruments_sql`, `allocate_sql`), the one implementation that the
read-only plans (auto-renewal, the cashier's suggestion, the runway simulation) run too.
"""

from payments.allocation import ARREARS_RANK, CARDS, VOUCHERS, allocate_sql, instruments_sql, usable_sql

SETTLE_DDL = """
DROP TABLE IF EXISTS _settle_demand;
DROP TABLE IF EXISTS _settle_alloc;
CREATE TEMP TABLE _settle_demand (
    idx integer PRIMARY KEY,
    account_id bigint NOT NULL,
    amount numeric(16, 2) NOT NULL,
    vpa numeric(16, 2) NOT NULL,
    source_type varchar(32) NOT NULL,
    source_id bigint NOT NULL,
    payment_id bigint,
    paid numeric(16, 2) NOT NULL DEFAULT 0,
    rest numeric(16, 2) NOT NULL DEFAULT 0
) ON COMMIT DROP;
"""

SETTLE_FILL = """
INSERT INTO _settle_demand (idx, account_id, amount, vpa, source_type, source_id)
SELECT * FROM unnest(%(idx)s::integer[], %(accounts)s::bigint[], %(amounts)s::numeric[], %(vpas)s::numeric[],
                     %(source_types)s::varchar[], %(source_ids)s::bigint[]);
ANALYZE _settle_demand;
"""

SETTLE_LOCK = f"""
INSERT INTO payments_wallet (account_id, cash_balance, arrears, arrears_since, updated_at)
SELECT DISTINCT d.account_id, 0, 0, NULL::timestamptz, %(now)s FROM _settle_demand d
ON CONFLICT (account_id) DO NOTHING;
SELECT count(*) FROM (
    SELECT w.id FROM payments_wallet w WHERE w.account_id IN (SELECT account_id FROM _settle_demand)
    ORDER BY w.account_id FOR UPDATE
) locked_wallets;
SELECT count(*) FROM (
    SELECT c.id FROM payments_prepaidcard c WHERE c.account_id IN (SELECT account_id FROM _settle_demand)
      AND {usable_sql(CARDS, "c")}
    ORDER BY c.id FOR UPDATE
) locked_cards;
SELECT count(*) FROM (
    SELECT v.id FROM payments_voucher v WHERE v.account_id IN (SELECT account_id FROM _settle_demand)
      AND {usable_sql(VOUCHERS, "v")}
    ORDER BY v.id FOR UPDATE
) locked_vouchers;
"""

# The allocation of every demand over its account's usable instruments (payments/allocation.py), kept in a table.
SETTLE_ALLOCATE = f"""
CREATE TEMP TABLE _settle_alloc ON COMMIT DROP AS
SELECT idx, kind, balance_kind, rank, expiry, inst_id, card_id, voucher_id, balance, take
FROM ({allocate_sql(instruments_sql("_settle_demand"))}) a
WHERE take > 0;
ANALYZE _settle_alloc;
UPDATE _settle_demand d SET paid = s.paid
FROM (SELECT idx, SUM(take) AS paid FROM _settle_alloc GROUP BY idx) s WHERE s.idx = d.idx;
UPDATE _settle_demand SET rest = amount - paid;
"""

SETTLE_WRITE = f"""
WITH ins AS (
    INSERT INTO payments_payment (account_id, purpose, source_type, source_id, amount, refunded_payment_id,
                                  created_by_id, created_at)
    SELECT account_id, 'bill', source_type, source_id, amount, NULL, %(actor)s, %(now)s
    FROM _settle_demand ORDER BY idx
    RETURNING id, source_type, source_id
)
UPDATE _settle_demand d SET payment_id = ins.id FROM ins
WHERE ins.source_type = d.source_type AND ins.source_id = d.source_id;

INSERT INTO payments_paymenttender (payment_id, kind, card_id, voucher_id, amount)
SELECT payment_id, kind, card_id, voucher_id, amount FROM (
    SELECT d.payment_id, a.idx, a.rank, a.expiry, a.inst_id, a.kind, a.card_id, a.voucher_id, a.take AS amount
    FROM _settle_alloc a JOIN _settle_demand d ON d.idx = a.idx
    UNION ALL
    SELECT d.payment_id, d.idx, {ARREARS_RANK}, NULL, 0, 'arrears', NULL, NULL, d.rest
    FROM _settle_demand d WHERE d.rest > 0
) t ORDER BY idx, rank, expiry, inst_id;

INSERT INTO payments_ledgerentry (account_id, balance_kind, card_id, voucher_id, amount, balance_after, reason,
                                  source_type, source_id, payment_id, memo, created_by_id, created_at)
SELECT account_id, balance_kind, card_id, voucher_id, amount, balance_after, reason, source_type, source_id,
       payment_id, '', %(actor)s, %(now)s
FROM (
    SELECT d.account_id, d.idx, a.rank, a.expiry, a.inst_id, a.balance_kind, a.card_id, a.voucher_id,
           -a.take AS amount, a.balance - a.take AS balance_after,
           'bill_settlement' AS reason, d.source_type, d.source_id, d.payment_id
    FROM _settle_alloc a JOIN _settle_demand d ON d.idx = a.idx
    UNION ALL
    SELECT d.account_id, d.idx, {ARREARS_RANK}, NULL, 0, 'arrears', NULL, NULL, d.rest, w.arrears + d.rest,
           'arrears_incurred', d.source_type, d.source_id, d.payment_id
    FROM _settle_demand d JOIN payments_wallet w ON w.account_id = d.account_id
    WHERE d.rest > 0
) t ORDER BY idx, rank, expiry, inst_id;

UPDATE payments_voucher v
SET balance = v.balance - a.take, status = CASE WHEN v.balance - a.take = 0 THEN 'exhausted' ELSE v.status END
FROM _settle_alloc a WHERE a.voucher_id = v.id;

UPDATE payments_prepaidcard c
SET balance = c.balance - a.take, status = CASE WHEN c.balance - a.take = 0 THEN 'exhausted' ELSE c.status END
FROM _settle_alloc a WHERE a.card_id = c.id;

UPDATE payments_wallet w
SET cash_balance = w.cash_balance - s.cash_take,
    arrears = w.arrears + s.rest,
    arrears_since = CASE WHEN w.arrears = 0 AND s.rest > 0 THEN %(now)s ELSE w.arrears_since END,
    updated_at = %(now)s
FROM (
    SELECT d.account_id, d.rest, COALESCE(a.take, 0) AS cash_take
    FROM _settle_demand d LEFT JOIN _settle_alloc a ON a.idx = d.idx AND a.balance_kind = 'cash'
) s
WHERE w.account_id = s.account_id AND (s.cash_take > 0 OR s.rest > 0);
"""

SETTLE_RESULT = "SELECT source_type, source_id, payment_id FROM _settle_demand"

SETTLE_DROP = "DROP TABLE _settle_demand; DROP TABLE _settle_alloc;"

# One round-trip per round: psycopg returns the result of the last statement (SETTLE_RESULT).
SETTLE_ROUND = ";\n".join(
    part.strip().rstrip(";") for part in (SETTLE_DDL, SETTLE_FILL, SETTLE_LOCK, SETTLE_ALLOCATE, SETTLE_WRITE,
                                          SETTLE_RESULT)
)
