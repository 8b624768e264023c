// DuckDB side of `go run ./bench/engine`: the per-group pro forma
// aggregation of spec/PROFORMA.md in SQL, over the same generated CUR file.
//
//   node aggregate.mjs SPEC.json
//
// SPEC.json:
//
//   {"csv": path (.csv or .csv.gz),
//    "columns": [the header's names, in file order],
//    "amountColumns": [the names read as decimals],
//    "decimalType": "DECIMAL(38,10)" (default) or another DECIMAL(p,10),
//    "query": "proforma" (default) or "perkey",
//    "groups": [{"name", "accounts": [...], "rules": [{"type": MARKUP |
//      DISCOUNT | TIERING, "scope": GLOBAL | SERVICE | BILLING_ENTITY | SKU,
//      "percentage", "service", "billingEntity", "usageType", "operation",
//      "freeTierActivated"}]}]}
//
// The "perkey" query computes instead what a Proforma import stores: the
// lines summed per aggregation key (internal/usage's key: every field a
// pricing rule reads, with the line's free-tier and public-cost states
// decided first), DECIMAL sums of usage, unblended and public cost. It
// prints {"duckdbVersion", "queryMs", "rows", "keys", "usage", "unblended",
// "public"}: the key count and the exact totals of the three sums.
//
// Every column's type is given to read_csv (no sniffing): amounts as
// decimalType, the rest VARCHAR. Prints one JSON object: {"duckdbVersion",
// "queryMs", "rows", "unmonitoredRows", "groups": [{"name", "rows",
// "awsCost", "proformaCost"}]}, the costs as exact decimal strings (DECIMAL
// arithmetic throughout, no rounding).
//
// What the SQL covers of PROFORMA.md, which is everything the generated
// data needs: rules 1-2 (a line belongs to its usage account's group), 4
// (base = public on-demand cost, else unblended), 5 (excluded types and
// support products), 6 (Savings Plan and RI lines, the owner account taken
// from the ARN), 7-9 (SKU > SERVICE > BILLING_ENTITY > GLOBAL, service =
// product/servicecode else lineItem/ProductCode, MARKUP/DISCOUNT factors),
// 10 (free tier on or off; custom tiers are refused), 11 (no rule: public
// base) and 15 (AWSCost = unblended of everything but Tax). No custom line
// items, no passthrough plans, one billing period.

import { readFileSync } from 'node:fs';
import duckdb, { DuckDBInstance } from '@duckdb/node-api';

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));

/** sql quotes a string literal. */
const sql = (s) => (s === undefined || s === null ? 'NULL' : `'${String(s).replaceAll("'", "''")}'`);
/** ident quotes a column name. */
const ident = (s) => `"${s.replaceAll('"', '""')}"`;

/**
 * factor is the exact multiplier of a MARKUP or DISCOUNT rule (rule 9),
 * 1 ± p/100 as a DECIMAL(9,4) literal; p has at most two decimals.
 */
function factor(rule) {
  const hundredths = Math.round(rule.percentage * 100);
  if (Math.abs(rule.percentage * 100 - hundredths) > 1e-6) {
    throw new Error(`percentage ${rule.percentage} has more than two decimals`);
  }
  const tenThousandths = 10000 + (rule.type === 'MARKUP' ? hundredths : -hundredths);
  const s = String(tenThousandths).padStart(5, '0');
  return `CAST('${s.slice(0, -4)}.${s.slice(-4)}' AS DECIMAL(9,4))`;
}

/** members is the VALUES list of (account, group) pairs. */
function members(groups) {
  return groups.flatMap((g) => g.accounts.map((a) => `(${sql(a)}, ${sql(g.name)})`)).join(',\n');
}

const scopeOrder = { SKU: 0, SERVICE: 1, BILLING_ENTITY: 2, GLOBAL: 3 };

/** condition is the SQL condition under which a rule matches a line (rule 8). */
function condition(r) {
  switch (r.scope) {
    case 'SKU':
      return `service = ${sql(r.service)} AND usage_type = ${sql(r.usageType)} AND operation = ${sql(r.operation)}`;
    case 'SERVICE':
      return `service = ${sql(r.service)}`;
    case 'BILLING_ENTITY':
      return `entity = ${sql(r.billingEntity)}`;
    case 'GLOBAL':
      return 'true';
  }
  throw new Error(`scope ${r.scope}`);
}

/**
 * resolve is a CASE expression giving, per line, the value of the most
 * specific matching rule of its group's plan among rules (rule 7: SKU >
 * SERVICE > BILLING_ENTITY > GLOBAL), else otherwise (rule 11). Rules of
 * one kind are unique per scope target, as the API enforces.
 */
function resolve(groups, pick, value, otherwise) {
  const perGroup = [];
  for (const g of groups) {
    const rules = g.rules.filter(pick).sort((a, b) => scopeOrder[a.scope] - scopeOrder[b.scope]);
    const seen = new Set();
    for (const r of rules) {
      const key = condition(r);
      if (seen.has(key)) throw new Error(`group ${g.name}: two rules of one kind for ${key}`);
      seen.add(key);
    }
    if (rules.length === 0) continue;
    const whens = rules.map((r) => `WHEN ${condition(r)} THEN ${value(r)}`).join(' ');
    perGroup.push(`WHEN ${sql(g.name)} THEN CASE ${whens} ELSE ${otherwise} END`);
  }
  return perGroup.length === 0 ? otherwise : `CASE grp ${perGroup.join('\n      ')} ELSE ${otherwise} END`;
}

/** factorOf is the modifier factor of a line's group plan (rules 7-9, 11). */
function factorOf(groups) {
  for (const g of groups) {
    for (const r of g.rules) {
      if (!['MARKUP', 'DISCOUNT', 'TIERING'].includes(r.type)) throw new Error(`rule type ${r.type}`);
      if (r.type === 'TIERING' && (r.customTiers || r.scope === 'BILLING_ENTITY')) {
        throw new Error('only free tier TIERING rules on GLOBAL, SERVICE or SKU are supported');
      }
    }
  }
  return resolve(groups, (r) => r.type !== 'TIERING', factor, 'CAST(1 AS DECIMAL(9,4))');
}

/** freeTierOf tells whether the free tier is on for a line (rule 10). */
function freeTierOf(groups) {
  return resolve(groups, (r) => r.type === 'TIERING', (r) => (r.freeTierActivated === false ? 'false' : 'true'), 'true');
}

/** readCSV is the read_csv call with every column's type given. */
function readCSV(spec) {
  const amounts = new Set(spec.amountColumns);
  const decimal = spec.decimalType ?? 'DECIMAL(38,10)';
  if (!/^DECIMAL\(\d+,10\)$/.test(decimal)) throw new Error(`decimalType ${decimal}: want DECIMAL(p,10)`);
  const cols = spec.columns.map((c) => `${sql(c)}: '${amounts.has(c) ? decimal : 'VARCHAR'}'`);
  return `read_csv(${sql(spec.csv)}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
    columns = {${cols.join(', ')}})`;
}

/** query is the aggregation: one row per group (NULL: unmonitored accounts). */
function query(spec) {
  const c = (name) => ident(name);
  return `
WITH cur AS (
  SELECT
    ${c('lineItem/UsageAccountId')} AS account,
    coalesce(${c('bill/BillingEntity')}, '') AS entity,
    ${c('lineItem/LineItemType')} AS type,
    coalesce(${c('lineItem/ProductCode')}, '') AS product_code,
    coalesce(nullif(${c('product/servicecode')}, ''), ${c('lineItem/ProductCode')}, '') AS service,
    coalesce(${c('lineItem/UsageType')}, '') AS usage_type,
    coalesce(${c('lineItem/Operation')}, '') AS operation,
    coalesce(${c('lineItem/UsageAmount')}, 0) AS usage,
    coalesce(${c('lineItem/UnblendedCost')}, 0) AS unblended,
    ${c('pricing/publicOnDemandCost')} AS public_cost,
    ${c('pricing/publicOnDemandRate')} AS public_rate,
    coalesce(${c('lineItem/LineItemDescription')}, '') AS description,
    coalesce(nullif(${c('savingsPlan/SavingsPlanARN')}, ''), ${c('reservation/ReservationARN')}, '') AS arn
  FROM ${readCSV(spec)}
),
lines AS (
  SELECT cur.*, m.grp, o.grp AS owner_grp
  FROM cur
  LEFT JOIN members m USING (account)
  -- rule 6: a commitment's owner is the account in its ARN, else the usage account
  LEFT JOIN members o ON o.account = CASE
    WHEN regexp_full_match(arn, 'arn:[^:]*:[^:]*:[^:]*:[0-9]{12}:.*') THEN split_part(arn, ':', 5)
    ELSE cur.account END
),
ruled AS (
  SELECT grp, type, unblended, usage, public_cost, public_rate, product_code,
    coalesce(public_cost, unblended) AS base,                                      -- rule 4
    coalesce(owner_grp = grp, false) AS owned,                                     -- rule 6
    ${factorOf(spec.groups)} AS factor,                                            -- rules 7-9, 11
    ${freeTierOf(spec.groups)} AS free_tier_on,                                    -- rule 10
    type = 'Usage' AND ((unblended = 0 AND public_rate > 0)
      OR contains(lower(description), 'free tier')) AS free_tier_line,
    type IN ('SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee', 'RIFee')
      OR (type = 'Fee' AND arn <> '') AS commitment_fee
  FROM lines
),
priced AS (
  SELECT grp, type, unblended,
    -- x() casts every branch to one exact type: DuckDB gives a CASE of mixed
    -- DECIMAL scales the smallest scale, which would round the products.
    CASE
      -- rule 5: excluded from pro forma
      WHEN type IN ('Credit', 'Refund', 'Tax', 'EdpDiscount', 'PrivateRateDiscount', 'SppDiscount',
                    'DistributorDiscount', 'RiVolumeDiscount')
        OR starts_with(product_code, 'AWSSupport') OR product_code = 'OCBPremiumSupport' THEN NULL
      -- rule 6: commitments
      WHEN commitment_fee THEN CASE WHEN owned THEN x(unblended) END
      WHEN type = 'SavingsPlanNegation' THEN CASE WHEN owned THEN
        x(CASE WHEN public_cost IS NOT NULL AND public_cost <> 0 THEN -abs(public_cost) ELSE unblended END * factor) END
      WHEN type = 'DiscountedUsage' THEN CASE WHEN owned THEN x(0) ELSE x(base * factor) END
      WHEN type = 'SavingsPlanCoveredUsage' OR type <> 'Usage' THEN x(base * factor)
      -- rule 10: free tier usage is free while the free tier is on, else rate x usage
      WHEN free_tier_line THEN CASE WHEN free_tier_on THEN x(unblended * factor)
                                    WHEN public_rate IS NOT NULL THEN x(public_rate * usage * factor)
                                    ELSE x(base * factor) END
      ELSE x(base * factor)
    END AS proforma
  FROM ruled
)
SELECT grp, count(*) AS rows,
  CAST(coalesce(sum(unblended) FILTER (WHERE type <> 'Tax'), 0) AS VARCHAR) AS aws_cost,  -- rule 15
  CAST(coalesce(sum(proforma), 0) AS VARCHAR) AS proforma_cost
FROM priced
GROUP BY grp
ORDER BY grp NULLS LAST`;
}

/**
 * perKeyQuery is the import's aggregation: one group per key of
 * internal/usage (aggregate.go), as pricing.HasPublicCost and
 * pricing.IsFreeTier decide a line's public-cost and free-tier states.
 */
function perKeyQuery(spec) {
  const c = (name) => ident(name);
  return `
WITH cur AS (SELECT * FROM ${readCSV(spec)}),
keyed AS (
  SELECT *,
    ${c('lineItem/LineItemType')} = 'Usage' AND (
      (coalesce(${c('lineItem/UnblendedCost')}, 0) = 0 AND coalesce(${c('pricing/publicOnDemandRate')}, 0) > 0)
      OR contains(lower(coalesce(${c('lineItem/LineItemDescription')}, '')), 'free tier')) AS free_tier,
    ${c('pricing/publicOnDemandCost')} IS NOT NULL AND NOT (${c('pricing/publicOnDemandCost')} = 0
      AND coalesce(${c('lineItem/UnblendedCost')}, 0) <> 0 AND ${c('pricing/publicOnDemandRate')} IS NULL) AS has_public
  FROM cur
),
sums AS (
  SELECT count(*) AS n,
    sum(coalesce(${c('lineItem/UsageAmount')}, 0)) AS usage,
    sum(coalesce(${c('lineItem/UnblendedCost')}, 0)) AS unblended,
    sum(CASE WHEN has_public THEN ${c('pricing/publicOnDemandCost')} ELSE 0 END) AS public
  FROM keyed
  GROUP BY ${c('bill/BillingPeriodStartDate')}, ${c('lineItem/UsageAccountId')}, ${c('bill/BillingEntity')},
    ${c('lineItem/LineItemType')}, ${c('lineItem/ProductCode')}, ${c('product/servicecode')}, ${c('product/ProductName')},
    ${c('lineItem/UsageType')}, ${c('lineItem/Operation')}, ${c('savingsPlan/SavingsPlanARN')},
    ${c('reservation/ReservationARN')},
    CASE WHEN free_tier THEN ${c('pricing/publicOnDemandRate')} END,
    ${c('pricing/publicOnDemandRate')} IS NOT NULL,
    CASE WHEN NOT has_public THEN 0 WHEN ${c('pricing/publicOnDemandCost')} = 0 THEN 1
         WHEN ${c('pricing/publicOnDemandCost')} > 0 THEN 2 ELSE 3 END,
    free_tier
)
SELECT sum(n) AS rows, count(*) AS keys, CAST(sum(usage) AS VARCHAR) AS usage,
  CAST(sum(unblended) AS VARCHAR) AS unblended, CAST(sum(public) AS VARCHAR) AS public
FROM sums`;
}

/** runPerKey runs the import's aggregation and prints its totals. */
async function runPerKey(conn) {
  const t0 = performance.now();
  const reader = await conn.runAndReadAll(perKeyQuery(spec));
  const queryMs = performance.now() - t0;
  const [r] = reader.getRowObjectsJS();
  process.stdout.write(JSON.stringify({ duckdbVersion: duckdb.version(), queryMs, rows: Number(r.rows),
    keys: Number(r.keys), usage: r.usage, unblended: r.unblended, public: r.public }) + '\n');
}

async function main() {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  await conn.run(`CREATE TEMP MACRO x(v) AS CAST(v AS DECIMAL(38,24));
    CREATE TEMP TABLE members (account VARCHAR, grp VARCHAR);
    INSERT INTO members VALUES ${members(spec.groups)};`);
  if (spec.query === 'perkey') {
    await runPerKey(conn);
    return;
  }
  const t0 = performance.now();
  const reader = await conn.runAndReadAll(query(spec));
  const queryMs = performance.now() - t0;
  const out = { duckdbVersion: duckdb.version(), queryMs, rows: 0, unmonitoredRows: 0, groups: [] };
  for (const r of reader.getRowObjectsJS()) {
    const rows = Number(r.rows);
    out.rows += rows;
    if (r.grp === null) {
      out.unmonitoredRows = rows;
      continue;
    }
    out.groups.push({ name: r.grp, rows, awsCost: r.aws_cost, proformaCost: r.proforma_cost });
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

await main();
