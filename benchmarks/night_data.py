"""The night benchmark's data set: its day, its shape and the set-based SQL that builds it. Shared by
benchmarks/night.py and benchmarks/night_parallel.py (so neither imports the other)."""

from __future__ import annotations

from datetime import date

DAY = date(2026, 6, 15)
WORKSPACES = 10
ITEMS = ("datakit", "log", "apm", "rum", "sms")

BUILD = """
SELECT setseed(0.42);
INSERT INTO workspaces_account (name, time_zone, currency, created_at)
SELECT 'Bench ' || g, 'Asia/Shanghai', 'CNY', '2026-01-01T00:00:00Z' FROM generate_series(1, %(accounts)s) g;

INSERT INTO workspaces_workspace (account_id, name, plan, commercial_since, status, created_at)
SELECT a.id, 'ws-' || w, 'commercial', '2026-01-01T00:00:00Z', 'active', '2026-01-01T00:00:00Z'
FROM workspaces_account a CROSS JOIN generate_series(1, %(workspaces)s) w WHERE a.name LIKE 'Bench %%';

-- a third of the workspaces keep logs 30 days (factor 2), a tenth APM 14 days (factor 2)
INSERT INTO workspaces_workspacestoragepolicy (workspace_id, billing_item_id, storage_policy_id, valid_from, chosen_at)
SELECT w.id, sp.billing_item_id, sp.id, '2026-01-01', now() FROM workspaces_workspace w
JOIN plans_storagepolicy sp ON sp.billing_item_id = (SELECT id FROM plans_billingitem WHERE code = 'log')
     AND sp.retention_days = 30
WHERE w.id %% 3 = 0;
INSERT INTO workspaces_workspacestoragepolicy (workspace_id, billing_item_id, storage_policy_id, valid_from, chosen_at)
SELECT w.id, sp.billing_item_id, sp.id, '2026-01-01', now() FROM workspaces_workspace w
JOIN plans_storagepolicy sp ON sp.billing_item_id = (SELECT id FROM plans_billingitem WHERE code = 'apm')
     AND sp.retention_days = 14
WHERE w.id %% 10 = 1;

-- 80 %% of the accounts have a package (startup, growth or enterprise) covering 8 of their 10 workspaces,
-- sold on 2026-01-01 with the plan versions of that day
INSERT INTO orders_package (account_id, plan_id, plan_version_id, catalogue_day, status, starts_on, ends_on,
                            created_at, auto_renew)
SELECT a.id, pl.id, (SELECT v.id FROM plans_planversion v WHERE v.plan_id = pl.id AND v.effective_from <= '2026-01-01'
                     ORDER BY v.effective_from DESC LIMIT 1),
       '2026-01-01', 'active', '2026-01-02', '2027-01-01', now(), false
FROM workspaces_account a
CROSS JOIN LATERAL (SELECT id FROM plans_plan ORDER BY rank OFFSET (a.id %% 3) LIMIT 1) pl
WHERE a.id %% 5 <> 0 AND a.name LIKE 'Bench %%';
INSERT INTO orders_packageplanperiod (package_id, plan_id, plan_version_id, valid_from, order_id)
SELECT p.id, p.plan_id, p.plan_version_id, p.starts_on, %(order)s FROM orders_package p;

-- the catalogue changed on 2026-05-01 (every log policy 10 %% dearer, the 30-day one converting x3): the night
-- of the day prices with the new versions, packages sold before convert with their old factors
SET CONSTRAINTS ALL IMMEDIATE;
ALTER TABLE plans_storagepolicyversion DISABLE TRIGGER USER;
INSERT INTO plans_storagepolicyversion (storage_policy_id, effective_from, price, conversion_factor, created_at)
SELECT v.storage_policy_id, '2026-05-01', v.price * 1.1,
       CASE WHEN sp.retention_days = 30 THEN 3 ELSE v.conversion_factor END, now()
FROM plans_storagepolicyversion v JOIN plans_storagepolicy sp ON sp.id = v.storage_policy_id
WHERE sp.billing_item_id = (SELECT id FROM plans_billingitem WHERE code = 'log');
SET CONSTRAINTS ALL IMMEDIATE;  -- run the pending foreign-key checks: ALTER TABLE refuses while they wait
ALTER TABLE plans_storagepolicyversion ENABLE TRIGGER USER;
SET CONSTRAINTS ALL DEFERRED;
INSERT INTO orders_packageworkspace (package_id, workspace_id, position, valid_from, valid_until)
SELECT p.id, w.id, row_number() OVER (PARTITION BY p.id ORDER BY w.id), p.starts_on, NULL
FROM orders_package p JOIN workspaces_workspace w ON w.account_id = p.account_id
WHERE w.name NOT IN ('ws-9', 'ws-10');
-- a quarter of the packages have a log traffic package (valid on the day), one in eight an SMS one
INSERT INTO orders_packagetraffic (package_id, traffic_package_id, capacity, valid_from, valid_until, order_id)
SELECT p.id, tp.id, 20000000, '2026-03-01', p.ends_on, %(order)s FROM orders_package p
JOIN plans_trafficpackage tp ON tp.billing_item_id = (SELECT id FROM plans_billingitem WHERE code = 'log')
WHERE p.id %% 4 = 0;
INSERT INTO orders_packagetraffic (package_id, traffic_package_id, capacity, valid_from, valid_until, order_id)
SELECT p.id, tp.id, 500, '2026-03-01', p.ends_on, %(order)s FROM orders_package p
JOIN plans_trafficpackage tp ON tp.billing_item_id = (SELECT id FROM plans_billingitem WHERE code = 'sms')
WHERE p.id %% 8 = 0;

-- wallets: cash for 60 %%, ordinary vouchers 30 %%, full-reduction 10 %%, prepaid cards 30 %%; some have nothing
INSERT INTO payments_wallet (account_id, cash_balance, arrears, arrears_since, updated_at)
SELECT a.id, CASE WHEN a.id %% 5 IN (0, 1, 2) THEN (a.id %% 7 + 1) * 3000 ELSE 0 END, 0, NULL, now()
FROM workspaces_account a;
INSERT INTO payments_ledgerentry (account_id, balance_kind, amount, balance_after, reason, source_type, memo,
                                  created_at)
SELECT account_id, 'cash', cash_balance, cash_balance, 'recharge', 'benchmark', '', now()
FROM payments_wallet WHERE cash_balance > 0;
INSERT INTO payments_voucher (account_id, kind, status, face_value, balance, valid_from, valid_until,
                              created_at)
SELECT a.id, 'ordinary', 'active', 200, 200, '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z', now()
FROM workspaces_account a WHERE a.id %% 10 IN (1, 4, 7);
INSERT INTO payments_voucher (account_id, kind, status, face_value, balance, valid_from, valid_until,
                              created_at)
SELECT a.id, 'full_reduction', 'active', 1000, 1000, '2026-01-01T00:00:00Z', '2026-12-01T00:00:00Z', now()
FROM workspaces_account a WHERE a.id %% 10 = 2;
INSERT INTO payments_ledgerentry (account_id, balance_kind, voucher_id, amount, balance_after, reason,
                                  source_type, memo, created_at)
SELECT account_id, 'voucher', id, balance, balance, 'voucher_issued', 'benchmark', '', now()
FROM payments_voucher;
INSERT INTO payments_prepaidcard (account_id, number, face_value, balance, status, purchased_at, expires_at)
SELECT a.id, 'BENCH' || a.id, 1000, 1000, 'active', '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'
FROM workspaces_account a WHERE a.id %% 10 IN (3, 5, 8);
INSERT INTO payments_ledgerentry (account_id, balance_kind, card_id, amount, balance_after, reason,
                                  source_type, memo, created_at)
SELECT account_id, 'card', id, balance, balance, 'card_issued', 'benchmark', '', now()
FROM payments_prepaidcard;

-- the day's usage: every workspace reports all five items (500,000 rows for 10,000 accounts)
INSERT INTO quota_usagerecord (account_id, workspace_id, billing_item_id, day, quantity, updated_at)
SELECT w.account_id, w.id, bi.id, %(day)s,
       CASE bi.code
           WHEN 'datakit' THEN (random() * 30)::bigint
           WHEN 'log' THEN (random() * 150000000)::bigint
           WHEN 'apm' THEN (random() * 20000000)::bigint
           WHEN 'rum' THEN (random() * 300000)::bigint
           ELSE (random() * 200)::bigint
       END,
       '2026-06-15T12:00:00Z'
FROM workspaces_workspace w CROSS JOIN plans_billingitem bi
WHERE bi.code IN ('datakit', 'log', 'apm', 'rum', 'sms');
ANALYZE;
"""
