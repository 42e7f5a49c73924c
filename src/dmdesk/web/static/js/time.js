// One shared ticker: relative waiting times and local clock times from <time datetime>,
// and the SLA chips' countdowns.
import { $$ } from './dom.js';
import { refreshSla } from './sla.js';

const TICK_MS = 30000;
const clockFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });

export function shortSpan(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return 'now';
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  if (s < 86400 * 14) return `${Math.floor(s / 86400)}d`;
  return `${Math.floor(s / (86400 * 7))}w`;
}

export function clockText(date) { return clockFmt.format(date); }

export function refreshTimes(root = document) {
  const now = Date.now();
  for (const el of $$('time[data-ago]', root)) {
    const at = Date.parse(el.dateTime);
    if (!Number.isNaN(at)) el.textContent = shortSpan((now - at) / 1000);
  }
  for (const el of $$('time[data-clock]:not([data-local])', root)) {
    const at = new Date(el.dateTime);
    if (Number.isNaN(at.getTime())) continue;
    el.textContent = clockText(at);
    el.title = fullFmt.format(at);
    el.dataset.local = '1';
  }
  refreshSla(root);
}

export function startTicker() {
  refreshTimes();
  setInterval(() => refreshTimes(), TICK_MS);
}
