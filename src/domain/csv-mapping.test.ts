import { describe, it, expect } from 'vitest';
import { buildColumnMapping, mapRecord, type ColumnMapping } from './csv-mapping.js';

const mapping = (header: string[], map: Record<string, string> = {}) => {
  const m = buildColumnMapping(header, map);
  if (!('columns' in m)) throw new Error(m.message);
  return m as ColumnMapping;
};

describe('CSV column mapping', () => {
  it('maps header names to fields (with aliases), ignores computed columns, and keeps the rest as attributes', () => {
    const m = mapping(['E-mail', 'First Name', 'surname', 'Company', 'Plan', 'engagement_score', '', 'tags']);
    expect(m.columns).toEqual([
      { kind: 'field', field: 'email' }, { kind: 'field', field: 'first_name' }, { kind: 'field', field: 'last_name' }, { kind: 'field', field: 'company' },
      { kind: 'attr', key: 'Plan', type: 'string' }, { kind: 'ignore' }, { kind: 'ignore' }, { kind: 'field', field: 'tags' },
    ]);
  });

  it('applies --map overrides and refuses what cannot work', () => {
    const m = mapping(['Address', 'Seats', 'VIP', 'junk'], { Address: 'email', seats: 'attributes.seats:number', VIP: 'attributes.vip:boolean', junk: '-' });
    expect(m.columns).toEqual([{ kind: 'field', field: 'email' }, { kind: 'attr', key: 'seats', type: 'number' }, { kind: 'attr', key: 'vip', type: 'boolean' }, { kind: 'ignore' }]);
    expect(buildColumnMapping(['name', 'phone'])).toMatchObject({ field: 'header', message: expect.stringMatching(/no email column/) });
    expect(buildColumnMapping(['email', 'mail'], { mail: 'email' })).toMatchObject({ field: 'header[1]' });
    expect(buildColumnMapping(['email'], { nope: 'company' })).toMatchObject({ field: 'map.nope' });
    expect(buildColumnMapping(['email', 'x'], { x: 'phone' })).toMatchObject({ field: 'map.x' });
    expect(buildColumnMapping(['email', 'say "hi"'])).toMatchObject({ field: 'header[1]' });
  });

  it('reads a record: normalised email, status, tags, typed attributes; empty cells give no value', () => {
    const m = mapping(['email', 'first_name', 'status', 'tags', 'seats', 'vip', 'attributes', 'plan'], { seats: 'attributes.seats:number', vip: 'attributes.vip:boolean' });
    expect(mapRecord(m, [' Ann@Example.COM ', '', 'Unsubscribed', 'a; b,a', '12.5', 'yes', '{"x":1,"plan":"json"}', 'pro'], 7)).toEqual({
      line: 7, email: 'ann@example.com', status: 'unsubscribed', tags: ['a', 'b'], attributes: { x: 1, plan: 'pro', seats: 12.5, vip: true },
    });
  });

  it('refuses a bad row naming the field and the line', () => {
    const m = mapping(['email', 'status', 'seats', 'first_name', 'attributes'], { seats: 'attributes.seats:number' });
    expect(mapRecord(m, ['not-an-email', '', '', '', ''], 3)).toMatchObject({ line: 3, field: 'email' });
    expect(mapRecord(m, ['', '', '', '', ''], 3)).toMatchObject({ field: 'email', message: expect.stringMatching(/is required/) });
    expect(mapRecord(m, ['a@x.io', 'gone', '', '', ''], 4)).toMatchObject({ line: 4, field: 'status' });
    expect(mapRecord(m, ['a@x.io', '', 'ten', '', ''], 5)).toMatchObject({ field: 'attributes.seats' });
    expect(mapRecord(m, ['a@x.io', '', '', 'Ann\nLee', ''], 6)).toMatchObject({ field: 'first_name' });
    expect(mapRecord(m, ['a@x.io', '', '', '', '[1]'], 6)).toMatchObject({ field: 'attributes' });
    expect(mapRecord(m, ['a@x.io', '', '', '', '{"email":1}'], 6)).toMatchObject({ field: 'attributes.email' });
    expect(mapRecord(m, ['a@x.io', ''], 8)).toMatchObject({ line: 8, field: null, message: 'has 2 fields; the header has 5' });
  });
});
