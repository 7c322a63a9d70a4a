// French display of the API's values. Amounts arrive as decimal strings ("1162.98") and are
// formatted from their digits, never through floating point. Thousands are grouped with
// U+202F (narrow no-break space) and the euro sign follows a U+00A0 (no-break space): the
// characters Intl.NumberFormat('fr-FR') itself emits, so counts and amounts look alike.

const GROUP_SEPARATOR = '\u202F';
const CURRENCY_SPACE = '\u00A0';

const countFormat = new Intl.NumberFormat('fr-FR');

/** "1162.98" -> "1 162,98 €" (U+202F between thousands, U+00A0 before €). */
export function formatAmount(decimal) {
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(String(decimal ?? '').trim());
  if (!match) return String(decimal ?? '');
  const [, sign, units, cents = ''] = match;
  const grouped = units.replace(/\B(?=(\d{3})+$)/g, GROUP_SEPARATOR);
  return `${sign}${grouped},${cents.padEnd(2, '0')}${CURRENCY_SPACE}€`;
}

/** 1234 -> "1 234" */
export function formatCount(n) {
  return countFormat.format(n);
}

/** A calendar date "2021-06-18" -> "18/06/2021"; empty for null. */
export function formatDate(iso) {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(iso ?? ''));
  return match ? `${match[3]}/${match[2]}/${match[1]}` : '';
}

const dateTimeFormat = new Intl.DateTimeFormat('fr-FR', {
  timeZone: 'Europe/Paris', day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit',
});

function parisParts(timestamp) {
  const date = new Date(timestamp);
  if (Number.isNaN(date.getTime())) return null;
  return Object.fromEntries(dateTimeFormat.formatToParts(date).map((p) => [p.type, p.value]));
}

/** "2026-11-26T16:55:50Z" -> "26/11/2026 17:55" (Paris time). */
export function formatDateTime(timestamp) {
  const parts = parisParts(timestamp);
  return parts ? `${parts.day}/${parts.month}/${parts.year} ${parts.hour}:${parts.minute}` : '';
}

/** The Paris day of a timestamp: "2021-05-31T23:30:00Z" -> "01/06/2021". */
export function formatDay(timestamp) {
  const parts = parisParts(timestamp);
  return parts ? `${parts.day}/${parts.month}/${parts.year}` : '';
}

/**
 * "01/02/2021" (or 1/2/2021) -> "2021-02-01"; "" -> ""; null when it is not a real date.
 * Date fields are typed as text: a browser's own date picker shows the order of its locale.
 */
export function parseFrenchDate(text) {
  const value = String(text ?? '').trim();
  if (value === '') return '';
  const match = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value);
  if (!match) return null;
  const [day, month, year] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return `${match[3]}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** NIR "123456789101292" -> "1 23 45 67 891 012 92", as on a carte Vitale. */
export function formatNir(nir) {
  const value = String(nir ?? '');
  const match = /^(\d)(\d{2})(\d{2})(\w{2})(\d{3})(\d{3})(\d{2})?$/.exec(value);
  return match ? match.slice(1).filter(Boolean).join(' ') : value;
}

/** Bytes as "23 Ko" / "1,2 Mo". */
export function formatSize(bytes) {
  if (bytes < 1024) return `${bytes}${CURRENCY_SPACE}o`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)}${CURRENCY_SPACE}Ko`;
  return `${(bytes / (1024 * 1024)).toLocaleString('fr-FR', { maximumFractionDigits: 1 })}${CURRENCY_SPACE}Mo`;
}
