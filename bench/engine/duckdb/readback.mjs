// DuckDB side of `go run ./bench/exports`: reads Parquet files written by
// `proforma export` and sums a cost column, so the exports can be checked
// against the API's ProformaCost.
//
//   node readback.mjs SPEC.json
//
// SPEC.json:
//
//   {"files": [{"path": a Parquet file,
//               "costColumns": [candidate names of the cost column, in order
//                 of preference; the first DuckDB sees (case-insensitive) is
//                 summed],
//               "alsoColumns": [[candidates of another column to sum], ...]
//                 (optional; a group none of whose names is present is
//                 left out)}]}
//
// Prints one JSON object: {"duckdbVersion", "files": [{"path", "columns":
// [{"name", "type"}] (DESCRIBE, in file order), "costColumn", "costType",
// "sum" (sum(cost)::VARCHAR, exact as DuckDB computes it; "0" when the file
// has no row), "rows", "also": [{"column", "type", "sum", "error"}],
// "error"}]}. A file DuckDB cannot read, without any of the candidate cost
// columns, or whose cost column is not a number, has "error" set and the
// rest left empty; an "also" column that is not a number has its own
// "error" and no sum. The process still exits 0 then; a malformed spec
// exits non-zero.

import { readFileSync } from 'node:fs';
import duckdb, { DuckDBInstance } from '@duckdb/node-api';

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));

/** sql quotes a string literal. */
const sql = (s) => `'${String(s).replaceAll("'", "''")}'`;
/** ident quotes a column name. */
const ident = (s) => `"${s.replaceAll('"', '""')}"`;

/** describe is the file's columns as DuckDB types them. */
async function describe(conn, path) {
  const r = await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sql(path)})`);
  return r.getRowObjectsJS().map((c) => ({ name: c.column_name, type: c.column_type }));
}

/** pick is the first candidate among the columns, case-insensitive, or undefined. */
function pick(columns, candidates) {
  for (const want of candidates) {
    const c = columns.find((col) => col.name.toLowerCase() === want.toLowerCase());
    if (c) return c;
  }
  return undefined;
}

/** numeric tells whether DuckDB can sum a column of type t. */
const numeric = (t) => /^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|DECIMAL|DOUBLE|FLOAT|REAL)\b/.test(t);

/** readBack is one file's result. */
async function readBack(conn, file) {
  const out = { path: file.path, columns: [], costColumn: '', costType: '', sum: '', rows: 0, also: [], error: '' };
  try {
    out.columns = await describe(conn, file.path);
    const cost = pick(out.columns, file.costColumns);
    if (!cost) {
      out.error = `none of the columns ${file.costColumns.join(', ')}`;
      return out;
    }
    if (!numeric(cost.type)) {
      out.error = `cost column ${cost.name} is ${cost.type}, not a number`;
      return out;
    }
    out.costColumn = cost.name;
    out.costType = cost.type;
    const also = (file.alsoColumns ?? []).map((names) => pick(out.columns, names)).filter((c) => c);
    const summed = [cost, ...also.filter((c) => numeric(c.type))];
    const sums = summed.map((c, i) => `coalesce(sum(${ident(c.name)}), 0)::VARCHAR AS s${i}`);
    const r = await conn.runAndReadAll(
      `SELECT ${sums.join(', ')}, count(*) AS n FROM read_parquet(${sql(file.path)})`,
    );
    const [row] = r.getRowObjectsJS();
    out.sum = row.s0;
    out.rows = Number(row.n);
    out.also = also.map((c) =>
      numeric(c.type)
        ? { column: c.name, type: c.type, sum: row[`s${summed.indexOf(c)}`], error: '' }
        : { column: c.name, type: c.type, sum: '', error: `${c.type}, not a number` },
    );
  } catch (e) {
    out.error = String(e.message ?? e);
  }
  return out;
}

async function main() {
  if (!Array.isArray(spec.files)) throw new Error('spec: "files" must be an array');
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const files = [];
  for (const f of spec.files) files.push(await readBack(conn, f));
  process.stdout.write(JSON.stringify({ duckdbVersion: duckdb.version(), files }) + '\n');
}

await main();
