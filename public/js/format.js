/** Times in the reader's own zone, to the second: commands settle within seconds. */

const pad = (n) => String(n).padStart(2, '0');

function parse(iso) {
  const date = new Date(iso ?? '');
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function formatDateTime(iso) {
  const date = parse(iso);
  if (!date) return iso ?? '';
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${formatClock(iso)}`;
}

export function formatClock(iso) {
  const date = parse(iso);
  if (!date) return iso ?? '';
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** A <time> element: the readable text, with the exact instant in `datetime`. */
export function timeElement(iso) {
  const time = document.createElement('time');
  time.dateTime = iso;
  time.textContent = formatDateTime(iso);
  return time;
}
