import type { Session } from './_session.ts';
import { type SqlToken, isKeyword, isPunct, tokenize } from './_sql-text.ts';
import type { TdsColumn, TdsRequest, TdsResults, TdsValue } from './types.ts';

/** The version the server reports: PRELOGIN, LOGINACK and @@VERSION agree. */
export const SERVER_VERSION: [number, number, number] = [16, 0, 1000];

/** @@VERSION text (SQL Server 2022's shape, so clients that parse it find a version). */
export const VERSION_TEXT =
  'Microsoft SQL Server 2022 (RTM) - 16.0.1000.6 (X64) \n\tOct  8 2022 05:58:25 \n\tCopyright (C) 2022 Microsoft Corporation\n\tDeveloper Edition (64-bit) on Linux (datakit tds-server, a TDS 7.4 test stand-in) <X64>';

/**
 * Answers what clients send on connect and a few session functions: SET ..., USE [db],
 * BEGIN/COMMIT/ROLLBACK TRAN[SACTION], IF @@TRANCOUNT > 0 COMMIT/ROLLBACK, and SELECTs without
 * FROM of @@VERSION, DB_NAME(), SUSER_SNAME(), SUSER_NAME(), SYSTEM_USER, CURRENT_USER,
 * USER_NAME(), @@SPID, @@SERVERNAME, @@TRANCOUNT, @@LANGUAGE, @@MAX_PRECISION, number and
 * string literals.
 */
export function builtinStatement(request: TdsRequest, session: Session): TdsResults | undefined {
  let tokens: SqlToken[];
  try {
    tokens = tokenize(request.sql);
  } catch {
    return undefined;
  }
  const first = tokens[0];
  if (isKeyword(first, 'SET')) return [{}];
  if (isKeyword(first, 'USE') && tokens.length === 2 && tokens[1]?.kind === 'word') {
    session.changeDatabase(tokens[1].text);
    return [{}];
  }
  const words = tokens
    .map((t) => (t.kind === 'word' && !t.quoted ? t.text.toUpperCase() : t.text))
    .join(' ');
  if (/^BEGIN (TRAN|TRANSACTION)$/.test(words)) {
    session.beginTransaction();
    return [{}];
  }
  const end = /^(IF @@TRANCOUNT > 0 )?(COMMIT|ROLLBACK)( TRAN| TRANSACTION| WORK)?$/i.exec(words);
  if (end !== null) {
    session.endTransaction(end[2] === 'COMMIT');
    return [{}];
  }
  if (isKeyword(first, 'SELECT')) return selectExpressions(tokens.slice(1), session);
  return undefined;
}

interface Expression {
  column: TdsColumn;
  value: TdsValue;
}

function selectExpressions(tokens: SqlToken[], session: Session): TdsResults | undefined {
  const expressions: Expression[] = [];
  let i = 0;
  while (i < tokens.length) {
    const expression = readExpression(tokens, i, session);
    if (expression === undefined) return undefined;
    i = expression.end;
    let name = '';
    if (isKeyword(tokens[i], 'AS')) i++;
    const alias = tokens[i];
    if (alias !== undefined && (alias.kind === 'word' || alias.kind === 'string')) {
      name = alias.text;
      i++;
    }
    expressions.push({ column: { ...expression.column, name }, value: expression.value });
    if (i < tokens.length && !isPunct(tokens[i], ',')) return undefined;
    i++;
  }
  if (expressions.length === 0) return undefined;
  return [{ columns: expressions.map((e) => e.column), rows: [expressions.map((e) => e.value)] }];
}

function readExpression(
  tokens: SqlToken[],
  at: number,
  session: Session,
): (Expression & { end: number }) | undefined {
  const token = tokens[at];
  if (token === undefined) return undefined;
  const nvarchar = (value: string, nullable = true): Expression => ({
    column: { name: '', type: 'nvarchar', length: 128, nullable },
    value,
  });
  if (token.kind === 'number') {
    if (token.text.includes('.')) {
      const scale = token.text.split('.')[1]?.length ?? 0;
      const precision = Math.max(token.text.replace('.', '').replace(/^0+/, '').length, scale, 1);
      return {
        column: { name: '', type: 'numeric', precision, scale, nullable: false },
        value: token.text,
        end: at + 1,
      };
    }
    const value = Number(token.text);
    if (value <= 2147483647)
      return { column: { name: '', type: 'int', nullable: false }, value, end: at + 1 };
    return {
      column: { name: '', type: 'bigint', nullable: false },
      value: BigInt(token.text),
      end: at + 1,
    };
  }
  if (token.kind === 'string') {
    const length = Math.max(token.text.length, 1);
    const type = token.unicode ? 'nvarchar' : 'varchar';
    return { column: { name: '', type, length, nullable: false }, value: token.text, end: at + 1 };
  }
  if (token.kind === 'variable') {
    switch (token.text.toUpperCase()) {
      case '@@VERSION':
        return {
          column: { name: '', type: 'nvarchar', length: 300 },
          value: VERSION_TEXT,
          end: at + 1,
        };
      case '@@SPID':
        return {
          column: { name: '', type: 'smallint', nullable: false },
          value: session.spid,
          end: at + 1,
        };
      case '@@SERVERNAME':
        return { ...nvarchar(session.serverName), end: at + 1 };
      case '@@LANGUAGE':
        return { ...nvarchar('us_english', false), end: at + 1 };
      case '@@TRANCOUNT':
        return {
          column: { name: '', type: 'int', nullable: false },
          value: session.transaction === null ? 0 : 1,
          end: at + 1,
        };
      case '@@MAX_PRECISION':
        return { column: { name: '', type: 'tinyint', nullable: false }, value: 38, end: at + 1 };
      default:
        return undefined;
    }
  }
  if (token.kind !== 'word' || token.quoted) return undefined;
  const name = token.text.toUpperCase();
  if (name === 'SYSTEM_USER' || name === 'CURRENT_USER' || name === 'SESSION_USER') {
    return { ...nvarchar(name === 'SYSTEM_USER' ? session.user : 'dbo', false), end: at + 1 };
  }
  if (!isPunct(tokens[at + 1], '(') || !isPunct(tokens[at + 2], ')')) return undefined;
  const end = at + 3;
  switch (name) {
    case 'DB_NAME':
      return { ...nvarchar(session.database), end };
    case 'SUSER_SNAME':
    case 'SUSER_NAME':
    case 'ORIGINAL_LOGIN':
      return { ...nvarchar(session.user), end };
    case 'USER_NAME':
      return { ...nvarchar('dbo'), end };
    default:
      return undefined;
  }
}
