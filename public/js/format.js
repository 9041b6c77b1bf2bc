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

/** To the millisecond: the steps of a command are often milliseconds apart. */
export function formatClockMs(iso) {
  const date = parse(iso);
  if (!date) return iso ?? '';
  return `${formatClock(iso)}.${String(date.getMilliseconds()).padStart(3, '0')}`;
}

/** 7 ms, 1.2 s, 3 min 5 s, 2 h 10 min: as precise as a person reads it. */
export function formatDuration(ms) {
  const value = Math.max(0, Math.round(ms));
  if (value < 1000) return `${value} ms`;
  if (value < 60_000) return `${(value / 1000).toFixed(1)} s`;
  const minutes = Math.floor(value / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.floor((value % 60_000) / 1000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
