// SLA chips: count down from data-due on the agent's clock, turn into "breached … ago" once
// the due time passes (the SLA job records it within 30 s), and fill the thread header's chip.
import { $, $$ } from './dom.js';

const NAMES = { first_response: 'First reply', next_response: 'Next reply', resolution: 'Resolve' };
const WHY = { outside_hours: 'outside hours', pending: 'waiting on customer', snoozed: 'snoozed' };
const GLYPH = { warning: '⚠ ', breached: '! ', paused: '⏸ ' };

export function slaSpan(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return '<1m';
  const m = Math.floor(s / 60) % 60;
  const h = Math.floor(s / 3600) % 24;
  const d = Math.floor(s / 86400);
  if (s < 3600) return `${m}m`;
  if (s < 86400) return m ? `${h}h ${m}m` : `${h}h`;
  return h ? `${d}d ${h}h` : `${d}d`;
}

// The chip's state and words at `now` (ms): what a person reads, colour only repeats it.
export function slaWords(chip, now) {
  const due = Date.parse(chip.due || '');
  const warn = Date.parse(chip.warn || '');
  let state = chip.state;
  if ((state === 'ok' || state === 'warning') && due <= now) state = 'breached';
  else if (state === 'ok' && warn <= now) state = 'warning';
  const name = chip.target || 'SLA';
  if (state === 'paused') return { state, text: `${name} paused${chip.why ? `: ${chip.why}` : ''}` };
  if (state === 'breached') {
    if (Number.isNaN(due)) return { state, text: `${name} breached` };
    const ago = (now - due) / 1000;
    return { state, text: `${name} breached ${ago < 60 ? 'just now' : `${slaSpan(ago)} ago`}` };
  }
  if (Number.isNaN(due)) return { state, text: `${name} running` };
  return { state, text: `${name} due in ${slaSpan((due - now) / 1000)}` };
}

function paint(el, now) {
  const { state, text } = slaWords(el.dataset, now);
  el.className = `chip sla sla-${state}`;
  el.dataset.state = state;
  const glyph = document.createElement('span');
  glyph.setAttribute('aria-hidden', 'true');
  glyph.textContent = GLYPH[state] || '';
  el.replaceChildren(glyph, text);
}

export function refreshSla(root = document) {
  const now = Date.now();
  for (const el of $$('[data-sla]', root)) paint(el, now);
}

// The open conversation's clocks, computed now by the server.
export async function loadThreadSla() {
  const slot = $('#th-sla');
  if (!slot || slot.dataset.loaded === slot.dataset.slaConv) return;
  slot.dataset.loaded = slot.dataset.slaConv;
  let data;
  try {
    const resp = await fetch(`/api/v1/conversations/${slot.dataset.slaConv}/sla`, { credentials: 'same-origin' });
    if (!resp.ok) return;
    data = await resp.json();
  } catch { return; }
  if (!['ok', 'warning', 'breached', 'paused'].includes(data.state)) { slot.replaceChildren(); return; }
  const chip = document.createElement('span');
  chip.dataset.sla = '';
  chip.dataset.state = data.state;
  chip.dataset.target = NAMES[data.target] || 'SLA';
  chip.dataset.due = data.due_at || '';
  chip.dataset.warn = data.warning_at || '';
  chip.dataset.why = WHY[data.paused_reason] || '';
  chip.title = 'Time left before the service-level target';
  paint(chip, Date.now());
  slot.replaceChildren(chip);
}
