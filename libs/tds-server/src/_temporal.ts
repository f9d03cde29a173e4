/**
 * Exact date and time arithmetic for SQL Server's temporal types: days counted from
 * 0001-01-01 in the proleptic Gregorian calendar, times as 100 ns ticks since midnight
 * (bigint), offsets in minutes. No JS Date, no floats.
 */

/** 100 ns ticks in a day. */
export const TICKS_PER_DAY = 864_000_000_000n;

/** A date and time of day: days since 0001-01-01, 100 ns ticks since midnight. */
export interface DayTime {
  days: number;
  ticks: bigint;
}

/** Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The civil date of days since 1970-01-01 (Hinnant's civil_from_days). */
function civilFromDays(z0: number): [number, number, number] {
  const z = z0 + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

const EPOCH_0001 = daysFromCivil(1, 1, 1);
/** Days from 0001-01-01 to 1900-01-01 (the epoch of datetime and smalldatetime). */
export const DAYS_TO_1900 = daysFromCivil(1900, 1, 1) - EPOCH_0001;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?$/;
const OFFSET = /^([+-])(\d{2}):(\d{2})$/;

/** Days since 0001-01-01 of `YYYY-MM-DD`. */
export function parseDate(text: string): number {
  const match = DATE.exec(text);
  if (match === null) throw new RangeError(`not a date (YYYY-MM-DD): '${text}'`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const days = daysFromCivil(year, month, day) - EPOCH_0001;
  if (month < 1 || month > 12 || formatDate(days) !== text || year < 1) {
    throw new RangeError(`not a valid date: '${text}'`);
  }
  return days;
}

/** 100 ns ticks since midnight of `hh:mm[:ss[.fffffff]]`. */
export function parseTime(text: string): bigint {
  const match = TIME.exec(text);
  if (match === null) throw new RangeError(`not a time (hh:mm:ss.fffffff): '${text}'`);
  const [hours, minutes, seconds] = [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
  if (hours > 23 || minutes > 59 || seconds > 59)
    throw new RangeError(`not a valid time: '${text}'`);
  const fraction = BigInt((match[4] ?? '').padEnd(7, '0'));
  return BigInt((hours * 60 + minutes) * 60 + seconds) * 10_000_000n + fraction;
}

/** A date and time `YYYY-MM-DD hh:mm:ss.fffffff` (or with `T`). */
export function parseDateTime(text: string): DayTime {
  const [date, time] = text.split(/[ T]/, 2);
  return { days: parseDate(date ?? ''), ticks: time === undefined ? 0n : parseTime(time) };
}

/** `YYYY-MM-DD hh:mm:ss.fffffff +hh:mm`: local date and time and the offset in minutes. */
export function parseDateTimeOffset(text: string): DayTime & { offsetMinutes: number } {
  const match = /^(.*?)\s*([+-]\d{2}:\d{2}|Z)$/.exec(text.trim());
  if (match === null) throw new RangeError(`not a datetimeoffset (... +hh:mm): '${text}'`);
  const local = parseDateTime(match[1] ?? '');
  const offsetText = match[2] ?? '';
  let offsetMinutes = 0;
  if (offsetText !== 'Z') {
    const offset = OFFSET.exec(offsetText);
    if (offset === null) throw new RangeError(`not an offset: '${offsetText}'`);
    offsetMinutes = (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3]));
    if (Math.abs(offsetMinutes) > 14 * 60)
      throw new RangeError(`offset beyond ±14:00: '${offsetText}'`);
  }
  return { ...local, offsetMinutes };
}

/** Adds minutes to a date and time, carrying into the days. */
export function addMinutes(value: DayTime, minutes: number): DayTime {
  let ticks = value.ticks + BigInt(minutes) * 600_000_000n;
  let days = value.days;
  while (ticks < 0n) {
    ticks += TICKS_PER_DAY;
    days -= 1;
  }
  while (ticks >= TICKS_PER_DAY) {
    ticks -= TICKS_PER_DAY;
    days += 1;
  }
  return { days, ticks };
}

/** `YYYY-MM-DD` of days since 0001-01-01. */
export function formatDate(days: number): string {
  const [year, month, day] = civilFromDays(days + EPOCH_0001);
  return `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`;
}

/** `hh:mm:ss` plus `scale` fraction digits of 100 ns ticks since midnight. */
export function formatTime(ticks: bigint, scale: number): string {
  const seconds = Number(ticks / 10_000_000n);
  const fraction = (ticks % 10_000_000n).toString().padStart(7, '0').slice(0, scale);
  const hms = `${pad2(Math.floor(seconds / 3600))}:${pad2(Math.floor(seconds / 60) % 60)}:${pad2(seconds % 60)}`;
  return scale > 0 ? `${hms}.${fraction}` : hms;
}

/** `+hh:mm` of an offset in minutes. */
export function formatOffset(minutes: number): string {
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

/** The time in units of 10^-scale seconds; throws when it has digits beyond the scale. */
export function scaledTime(ticks: bigint, scale: number): bigint {
  const unit = 10n ** BigInt(7 - scale);
  if (ticks % unit !== 0n) {
    throw new RangeError(`time ${formatTime(ticks, 7)} has more than ${scale} fraction digits`);
  }
  return ticks / unit;
}

/** Bytes a time of this scale takes on the wire (MS-TDS 2.2.5.4.2). */
export function timeLength(scale: number): number {
  return scale <= 2 ? 3 : scale <= 4 ? 4 : 5;
}

/**
 * A `datetime`: days since 1900-01-01 and 1/300 s ticks, rounded as SQL Server rounds
 * (to .000, .003, .007); the value must have whole milliseconds.
 */
export function toDatetime(value: DayTime): { days: number; ticks300: number } {
  if (value.ticks % 10_000n !== 0n) {
    throw new RangeError(`datetime has whole milliseconds only: ${formatTime(value.ticks, 7)}`);
  }
  const ms = Number(value.ticks / 10_000n);
  let ticks300 = Math.round((ms * 3) / 10);
  let days = value.days - DAYS_TO_1900;
  if (ticks300 >= 300 * 86_400) {
    ticks300 -= 300 * 86_400;
    days += 1;
  }
  return { days, ticks300 };
}

/** The date and time of a `datetime` (milliseconds as SQL Server displays them). */
export function fromDatetime(days: number, ticks300: number): DayTime {
  const ms = Math.round((ticks300 * 10) / 3);
  return { days: days + DAYS_TO_1900, ticks: BigInt(ms) * 10_000n };
}

/** A `smalldatetime`: days since 1900-01-01 and minutes; seconds must be zero. */
export function toSmallDatetime(value: DayTime): { days: number; minutes: number } {
  if (value.ticks % 600_000_000n !== 0n) {
    throw new RangeError(`smalldatetime has whole minutes only: ${formatTime(value.ticks, 7)}`);
  }
  return { days: value.days - DAYS_TO_1900, minutes: Number(value.ticks / 600_000_000n) };
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
