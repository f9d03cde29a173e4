/** One credential in a ticket cache, as `klist` lists it. */
export interface CachedTicket {
  /** The service principal, e.g. `krbtgt/DATAKIT.TEST@DATAKIT.TEST`. */
  service: string;
  /** When the ticket became valid (epoch ms). */
  startsAt: number;
  /** When it stops being valid (epoch ms). */
  expiresAt: number;
  /** Until when it may be renewed (epoch ms); undefined when it is not renewable. */
  renewUntil: number | undefined;
}

/** What `klist -c <cache>` says about a cache. */
export interface KlistResult {
  /** The cache's default principal, e.g. `datakit-loader@DATAKIT.TEST`. */
  principal: string;
  tickets: CachedTicket[];
}

/** The times of the ticket-granting ticket: what the sidecar schedules on. */
export interface TicketTimes {
  principal: string;
  startsAt: number;
  expiresAt: number;
  renewUntil: number | undefined;
}

// `klist` prints times with the C locale's `%x %X` when run with LC_ALL=C: 11/23/26 02:37:16.
// The sidecar runs it with TZ=UTC, so the times are read as UTC.
const TIME = String.raw`(\d{2}/\d{2}/\d{2,4} \d{2}:\d{2}:\d{2})`;
const TICKET_LINE = new RegExp(String.raw`^${TIME}\s+${TIME}\s+(\S+)\s*$`);
const RENEW_LINE = new RegExp(String.raw`^\s+renew until ${TIME}`);

/**
 * Parses the output of `klist -c <cache>` run with `LC_ALL=C TZ=UTC`.
 *
 * @throws Error when the text has no default principal (not klist output, or an empty cache).
 */
export function parseKlist(text: string): KlistResult {
  const principal = /^Default principal: (\S+)\s*$/m.exec(text)?.[1];
  if (principal === undefined) {
    throw new Error('klist output names no default principal.');
  }
  const tickets: CachedTicket[] = [];
  for (const line of text.split('\n')) {
    const ticket = TICKET_LINE.exec(line);
    if (ticket) {
      tickets.push({
        startsAt: parseKlistTime(ticket[1] as string),
        expiresAt: parseKlistTime(ticket[2] as string),
        service: ticket[3] as string,
        renewUntil: undefined,
      });
      continue;
    }
    const renew = RENEW_LINE.exec(line);
    const last = tickets.at(-1);
    if (renew && last) last.renewUntil = parseKlistTime(renew[1] as string);
  }
  return { principal, tickets };
}

/**
 * The ticket-granting ticket of the cache's own realm, or undefined when the cache holds none
 * (then there is nothing to renew and the sidecar initialises from the keytab).
 */
export function findTgt(result: KlistResult): TicketTimes | undefined {
  const realm = result.principal.slice(result.principal.lastIndexOf('@') + 1);
  const tgt = result.tickets.find((t) => t.service === `krbtgt/${realm}@${realm}`);
  if (!tgt) return undefined;
  return {
    principal: result.principal,
    startsAt: tgt.startsAt,
    expiresAt: tgt.expiresAt,
    renewUntil: tgt.renewUntil,
  };
}

/** `MM/DD/YY HH:MM:SS` (or a four-digit year) in UTC, to epoch milliseconds. */
export function parseKlistTime(text: string): number {
  const match = /^(\d{2})\/(\d{2})\/(\d{2,4}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!match) throw new Error(`"${text}" is not a klist time (MM/DD/YY HH:MM:SS).`);
  const [, month, day, year, hours, minutes, seconds] = match.map(Number) as number[];
  const fullYear = (year as number) < 100 ? 2000 + (year as number) : (year as number);
  return Date.UTC(
    fullYear,
    (month as number) - 1,
    day as number,
    hours as number,
    minutes as number,
    seconds as number,
  );
}
