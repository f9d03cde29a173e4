import { describe, expect, it } from 'vitest';

import {
  catalogStatement,
  cursorValueExpression,
  keyValueExpression,
  quoteIdentifier,
  quoteString,
  readStatement,
} from './statements.ts';
import { parseSqlServerType } from './types.ts';
import type { SqlServerType } from './types.ts';

function type(spelling: string): SqlServerType {
  const parsed = parseSqlServerType(spelling);
  if (parsed === undefined) throw new Error(spelling);
  return parsed;
}

describe('quoting', () => {
  it('brackets identifiers with ] doubled, as QUOTENAME does', () => {
    expect(quoteIdentifier('Order]Id')).toBe('[Order]]Id]');
    expect(quoteIdentifier('select')).toBe('[select]');
    expect(quoteIdentifier('line no')).toBe('[line no]');
  });

  it("writes Unicode string constants with ' doubled and nothing else escaped", () => {
    expect(quoteString("O'Brien\\")).toBe("N'O''Brien\\'");
  });
});

describe('catalogStatement', () => {
  it('names the schema and every table as constants', () => {
    const sql = catalogStatement('Sales Data', ['Order Lines', "it's"]);
    expect(sql).toContain("WHERE s.name = N'Sales Data'");
    expect(sql).toContain("AND o.name IN (N'Order Lines', N'it''s')");
  });
});

describe('readStatement', () => {
  it('converts each column on the server and aliases it by position', () => {
    expect(
      readStatement({
        schema: 'sales',
        table: 'Order Lines',
        columns: [
          { name: 'Order]Id', type: type('bigint') },
          { name: 'amount', type: type('money') },
          { name: 'at', type: type('datetime2(7)') },
          { name: 'title', type: type('nvarchar(50)') },
          { name: 'rv', type: type('rowversion') },
        ],
        cursor: null,
      }),
    ).toMatchInlineSnapshot(`
      "SELECT CONVERT(nvarchar(20), [Order]]Id]) AS c0,
             CONVERT(nvarchar(30), [amount], 2) AS c1,
             CONVERT(nvarchar(27), [at], 121) AS c2,
             [title] AS c3,
             CONVERT(nvarchar(20), CONVERT(bigint, [rv])) AS c4
        FROM [sales].[Order Lines]"
    `);
  });

  it('reads after a saved rowversion and below MIN_ACTIVE_ROWVERSION()', () => {
    const rv = { name: 'rv', type: type('rowversion') };
    expect(
      readStatement({
        schema: 'sales',
        table: 't',
        columns: [rv],
        cursor: { column: rv, after: '2001' },
      }),
    ).toMatchInlineSnapshot(`
      "SELECT CONVERT(nvarchar(20), CONVERT(bigint, [rv])) AS c0
        FROM [sales].[t]
       WHERE [rv] > CONVERT(binary(8), CONVERT(bigint, N'2001'))
         AND [rv] < MIN_ACTIVE_ROWVERSION()"
    `);
  });

  it('bounds a first rowversion read too, so open transactions are read next time', () => {
    const rv = { name: 'rv', type: type('rowversion') };
    expect(
      readStatement({
        schema: 's',
        table: 't',
        columns: [rv],
        cursor: { column: rv, after: null },
      }),
    ).toContain('WHERE [rv] < MIN_ACTIVE_ROWVERSION()');
  });

  it('reads a shared cursor (a datetime2) from its saved value on when asked, so a tie is not lost', () => {
    const at = { name: 'at', type: type('datetime2(7)') };
    const read = (inclusive: boolean) =>
      readStatement({
        schema: 's',
        table: 't',
        columns: [at],
        cursor: { column: at, after: '2024-01-02 03:04:05', inclusive },
      });
    expect(read(true)).toContain(
      "WHERE [at] >= CONVERT(datetime2(7), N'2024-01-02 03:04:05', 121)",
    );
    expect(read(false)).toContain(
      "WHERE [at] > CONVERT(datetime2(7), N'2024-01-02 03:04:05', 121)",
    );
  });

  it('compares a datetime2 cursor as datetime2(7) from its ISO text', () => {
    expect(cursorValueExpression(type('datetime2(3)'), '2024-01-02 03:04:05.123')).toBe(
      "CONVERT(datetime2(7), N'2024-01-02 03:04:05.123', 121)",
    );
  });

  it('compares a datetime cursor as datetime, which prints what it stores', () => {
    expect(cursorValueExpression(type('datetime'), '2024-01-02 03:04:05.003')).toBe(
      "CONVERT(datetime, N'2024-01-02 03:04:05.003', 121)",
    );
  });

  it('reads rows rejected earlier again by their composite key, whatever the cursor', () => {
    const rv = { name: 'rv', type: type('rowversion') };
    const id = { name: 'Order]Id', type: type('bigint') };
    const code = { name: 'code', type: type('nvarchar(10)') };
    expect(
      readStatement({
        schema: 'sales',
        table: 't',
        columns: [id, code, rv],
        cursor: { column: rv, after: '2001' },
        keys: {
          columns: [id, code],
          values: [
            ['7', "O'B"],
            ['8', 'x'],
          ],
        },
      }),
    ).toMatchInlineSnapshot(`
      "SELECT CONVERT(nvarchar(20), [Order]]Id]) AS c0,
             [code] AS c1,
             CONVERT(nvarchar(20), CONVERT(bigint, [rv])) AS c2
        FROM [sales].[t]
       WHERE ([rv] > CONVERT(binary(8), CONVERT(bigint, N'2001'))
          OR EXISTS (SELECT 1 FROM (VALUES (CONVERT(bigint, N'7'), N'O''B'),
                                       (CONVERT(bigint, N'8'), N'x')) AS k (k0, k1)
                     WHERE [Order]]Id] = k.k0 AND [code] = k.k1))
         AND [rv] < MIN_ACTIVE_ROWVERSION()"
    `);
  });

  it('asks for no key when there is none to read again', () => {
    const id = { name: 'id', type: type('int') };
    expect(
      readStatement({
        schema: 's',
        table: 't',
        columns: [id],
        cursor: { column: id, after: '5' },
        keys: { columns: [id], values: [] },
      }),
    ).toMatch(/\n WHERE \[id\] > CONVERT\(bigint, N'5'\)$/);
  });

  it('converts each key value from its canonical text as one string constant', () => {
    expect(keyValueExpression(type('bit'), 't')).toBe("CONVERT(bit, N'1')");
    expect(keyValueExpression(type('varbinary(16)'), '\\x0a0b')).toBe(
      "CONVERT(varbinary(max), N'0a0b', 2)",
    );
    expect(
      keyValueExpression(type('uniqueidentifier'), '6f9619ff-8b86-d011-b42d-00c04fc964ff'),
    ).toBe("CONVERT(uniqueidentifier, N'6f9619ff-8b86-d011-b42d-00c04fc964ff')");
    expect(keyValueExpression(type('datetime2(7)'), '2024-01-02 03:04:05.1234567')).toBe(
      "CONVERT(datetime2(7), N'2024-01-02 03:04:05.1234567', 121)",
    );
    expect(keyValueExpression(type('decimal(9,2)'), '1.50')).toBe(
      "CONVERT(decimal(38,2), N'1.50')",
    );
    expect(keyValueExpression(type('char(4)'), 'AB  ')).toBe("N'AB  '");
  });

  it('has no cursor comparison for types that do not order a read', () => {
    expect(cursorValueExpression(type('nvarchar(10)'), 'x')).toBeUndefined();
    expect(cursorValueExpression(type('uniqueidentifier'), 'x')).toBeUndefined();
  });
});
