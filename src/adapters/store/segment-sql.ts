import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { DAY_MS, type AttrRule, type AttrScalar, type FieldRule, type RuleNode } from '../../domain/segment-rule.js';

type Dialect = 'sqlite' | 'postgres';
type Bool = RawBuilder<SqlBool>;

const TRUE: Bool = sql<SqlBool>`(1 = 1)`;
const FALSE: Bool = sql<SqlBool>`(1 = 0)`;

/**
 * Compile a checked rule to a boolean SQL expression over the `contacts` table, for either dialect, with every
 * value bound as a parameter (never spliced into the text). It agrees with evaluateRule (domain/segment-evaluate.ts)
 * on every contact — a property test runs both on random contacts and rules — because each comparison is made
 * never NULL (COALESCE(…, FALSE)), so NOT, AND and OR are two-valued as in memory, and attribute comparisons check
 * the JSON type first inside a CASE (PostgreSQL does not promise the order of AND's operands, and a text→float cast
 * of a non-number would fail).
 */
export function ruleSql(rule: RuleNode, dialect: Dialect, now: number): Bool {
  switch (rule.kind) {
    case 'all':
      return rule.rules.length === 0 ? TRUE : sql<SqlBool>`(${sql.join(rule.rules.map((r) => ruleSql(r, dialect, now)), sql` AND `)})`;
    case 'any':
      return rule.rules.length === 0 ? FALSE : sql<SqlBool>`(${sql.join(rule.rules.map((r) => ruleSql(r, dialect, now)), sql` OR `)})`;
    case 'not':
      return sql<SqlBool>`(NOT ${ruleSql(rule.rule, dialect, now)})`;
    case 'tag':
      return sql<SqlBool>`EXISTS (SELECT 1 FROM contact_tags ct WHERE ct.contact_id = contacts.id AND ct.tag = ${rule.tag})`;
    case 'event': {
      const window = rule.withinDays === null ? sql`` : sql` AND ca.at >= ${now - rule.withinDays * DAY_MS}`;
      const campaign = rule.campaignId === null ? sql`` : sql` AND ca.campaign_id = ${rule.campaignId}`;
      return sql<SqlBool>`EXISTS (SELECT 1 FROM contact_activity ca WHERE ca.contact_id = contacts.id AND ca.type = ${rule.event}${window}${campaign})`;
    }
    case 'field':
      return never(fieldSql(rule, dialect));
    case 'attr':
      return attrSql(rule, dialect);
  }
}

/** `COALESCE(p, FALSE)`: a comparison with NULL counts as false, as in memory. */
function never(p: Bool): Bool {
  return sql<SqlBool>`COALESCE(${p}, FALSE)`;
}

function column(f: FieldRule['field'], dialect: Dialect): RawBuilder<unknown> {
  if (f === 'engagement_score') {
    // The score in points as a double, computed exactly as JavaScript's milli / 1000.
    return dialect === 'postgres' ? sql`(contacts.engagement_milli::float8 / 1000)` : sql`(contacts.engagement_milli / 1000.0)`;
  }
  return sql.ref(`contacts.${f}`);
}

function fieldSql(rule: FieldRule, dialect: Dialect): Bool {
  const c = column(rule.field, dialect);
  const x = rule.values[0]!;
  switch (rule.op) {
    case 'exists': return sql<SqlBool>`(${c} IS NOT NULL)`;
    case 'eq': return sql<SqlBool>`(${c} = ${x})`;
    case 'neq': return sql<SqlBool>`(${c} <> ${x})`;
    case 'gt': return sql<SqlBool>`(${c} > ${x})`;
    case 'gte': return sql<SqlBool>`(${c} >= ${x})`;
    case 'lt': return sql<SqlBool>`(${c} < ${x})`;
    case 'lte': return sql<SqlBool>`(${c} <= ${x})`;
    case 'in': return sql<SqlBool>`(${c} IN (${sql.join(rule.values)}))`;
    case 'contains': return contains(c, x as string, dialect);
    case 'starts_with': return startsWith(c, x as string, dialect);
  }
}

function contains(text: RawBuilder<unknown>, x: string, dialect: Dialect): Bool {
  // Case-sensitive substring on code points in both (LIKE would treat % and _ as wildcards and fold ASCII case on SQLite).
  return dialect === 'postgres' ? sql<SqlBool>`(strpos(${text}, ${x}) > 0)` : sql<SqlBool>`(instr(${text}, ${x}) > 0)`;
}

function startsWith(text: RawBuilder<unknown>, x: string, dialect: Dialect): Bool {
  return dialect === 'postgres' ? sql<SqlBool>`starts_with(${text}, ${x})` : sql<SqlBool>`(substr(${text}, 1, length(${x})) = ${x})`;
}

/** The JSON type names each dialect reports, by operand type. */
const JSON_TYPE = {
  sqlite: { string: sql`= 'text'`, number: sql`IN ('integer', 'real')`, true: sql`= 'true'`, false: sql`= 'false'` },
  postgres: { string: sql`= 'string'`, number: sql`= 'number'`, true: sql`= 'boolean'`, false: sql`= 'boolean'` },
} as const;

function attrSql(rule: AttrRule, dialect: Dialect): Bool {
  // SQLite reads a key through a JSON path with the key quoted ($."key"; keys never hold quotes or backslashes);
  // PostgreSQL through ->/->> with the key as a text parameter.
  const type = dialect === 'postgres'
    ? sql`jsonb_typeof(contacts.attributes::jsonb -> ${rule.key}::text)`
    : sql`json_type(contacts.attributes, ${`$."${rule.key}"`})`;
  const value = dialect === 'postgres'
    ? sql`(contacts.attributes::jsonb ->> ${rule.key}::text)`
    : sql`json_extract(contacts.attributes, ${`$."${rule.key}"`})`;
  const exists = never(sql<SqlBool>`(${type} <> 'null')`);
  const when = (t: RawBuilder<unknown>, p: Bool): Bool => never(sql<SqlBool>`(CASE WHEN ${type} ${t} THEN ${p} ELSE FALSE END)`);
  const num = dialect === 'postgres' ? sql`${value}::float8` : value;
  const eq = (x: AttrScalar): Bool => {
    if (typeof x === 'string') return when(JSON_TYPE[dialect].string, sql<SqlBool>`(${value} = ${x})`);
    if (typeof x === 'number') return when(JSON_TYPE[dialect].number, sql<SqlBool>`(${num} = ${x})`);
    // SQLite's json_type tells true from false itself; PostgreSQL's ->> gives the text 'true' or 'false'.
    return dialect === 'postgres'
      ? when(JSON_TYPE.postgres.true, sql<SqlBool>`(${value} = ${x ? 'true' : 'false'})`)
      : never(sql<SqlBool>`(${type} ${x ? JSON_TYPE.sqlite.true : JSON_TYPE.sqlite.false})`);
  };
  const x = rule.values[0]!;
  switch (rule.op) {
    case 'exists': return exists;
    case 'eq': return eq(x);
    case 'neq': return sql<SqlBool>`(${exists} AND NOT ${eq(x)})`;
    case 'in': return sql<SqlBool>`(${sql.join(rule.values.map(eq), sql` OR `)})`;
    case 'gt': return when(JSON_TYPE[dialect].number, sql<SqlBool>`(${num} > ${x})`);
    case 'gte': return when(JSON_TYPE[dialect].number, sql<SqlBool>`(${num} >= ${x})`);
    case 'lt': return when(JSON_TYPE[dialect].number, sql<SqlBool>`(${num} < ${x})`);
    case 'lte': return when(JSON_TYPE[dialect].number, sql<SqlBool>`(${num} <= ${x})`);
    case 'contains': return when(JSON_TYPE[dialect].string, contains(value, x as string, dialect));
    case 'starts_with': return when(JSON_TYPE[dialect].string, startsWith(value, x as string, dialect));
  }
}
