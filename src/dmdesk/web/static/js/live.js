// One EventSource per tab: coalesce bursts (at most every 250 ms) into fragment refreshes,
// show a calm banner while disconnected, replay from the last event id on reconnect; every
// update is also a `dmdesk:live` DOM event, collision pings go to presence.js.
import { $ } from './dom.js';
import { refreshList } from './list.js';
import { onActivity } from './presence.js';
import { openId, refreshThread } from './thread.js';
import { clockText } from './time.js';

const COALESCE_MS = 250;
// Events that change no list row or thread (the bell listens for its own).
const IGNORED = new Set(['user.presence', 'notification.created', 'notification.read']);
let source = null;
let lastId = '';
let pausedSince = null;
let backoff = 1000;
let timer = null;
const pending = { list: false, thread: false };

function schedule() {
  if (!timer) timer = setTimeout(flush, COALESCE_MS);
}

async function flush() {
  timer = null;
  const { list, thread } = pending;
  pending.list = false;
  pending.thread = false;
  try {
    if (thread) await refreshThread();
    if (list) await refreshList();
  } catch (err) {
    console.warn('live refresh failed', err);
  }
}

function onUpdate(event) {
  if (event.lastEventId) lastId = event.lastEventId;
  let data;
  try { data = JSON.parse(event.data); } catch { return; }
  document.dispatchEvent(new CustomEvent('dmdesk:live', { detail: data }));
  if (IGNORED.has(data.type) || !data.conversation_id) return;
  pending.list = true;
  if (data.conversation_id === openId()) pending.thread = true;
  schedule();
}

function banner(text) {
  const el = $('#conn-banner');
  if (!el) return;
  el.hidden = !text;
  el.textContent = text || '';
}

function onDown() {
  document.documentElement.dataset.live = 'reconnecting';
  if (!pausedSince) {
    pausedSince = new Date();
    banner(`Reconnecting… live updates paused since ${clockText(pausedSince)}`);
  }
  if (source && source.readyState === EventSource.CLOSED) {
    source = null;
    setTimeout(connect, backoff);
    backoff = Math.min(backoff * 2, 30000);
  }
}

function onUp() {
  backoff = 1000;
  document.documentElement.dataset.live = 'connected';
  if (!pausedSince) return;
  pausedSince = null;
  banner('Back online: updates applied');
  setTimeout(() => { if (!pausedSince) banner(''); }, 4000);
  pending.list = true;
  pending.thread = true;
  schedule();
}

export function connect() {
  if (source || !window.EventSource) return;
  const url = '/api/v1/stream' + (lastId ? `?last_event_id=${encodeURIComponent(lastId)}` : '');
  source = new EventSource(url, { withCredentials: true });
  source.addEventListener('update', onUpdate);
  // Viewing/typing pings: ephemeral, no id, never replayed.
  source.addEventListener('activity', (event) => {
    try { onActivity(JSON.parse(event.data)); } catch { /* a malformed ping is dropped */ }
  });
  source.addEventListener('reload', () => { pending.list = true; pending.thread = true; schedule(); });
  source.addEventListener('open', onUp);
  source.addEventListener('error', onDown);
}
