// Collision markers: while a conversation is open this tab pings "viewing" (and "typing"
// while the composer changes); other agents' pings arrive over the live stream and mark the
// thread header and the list row. A marker disappears when its pings stop.
import { $, $$, csrfToken } from './dom.js';
import { openId } from './thread.js';

const PING_MS = 5000;
const TYPING_PING_MS = 2500;
const EXPIRE_MS = 12000;
const TYPING_MS = 6000;
const me = Number($('meta[name="dmdesk-user"]')?.content || 0);
const seen = new Map(); // conversation id -> Map(user id -> { name, viewedAt, typedAt })
let lastTyping = 0;

function ping(activity) {
  const id = openId();
  if (!id) return;
  fetch(`/api/v1/conversations/${id}/presence`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken() },
    body: JSON.stringify({ activity }),
  }).catch(() => {});
}

function others(convId, now) {
  const users = seen.get(convId);
  if (!users) return [];
  const out = [];
  for (const [uid, v] of users) {
    if (now - v.viewedAt > EXPIRE_MS) { users.delete(uid); continue; }
    out.push({ name: v.name, typing: now - v.typedAt < TYPING_MS });
  }
  if (!users.size) seen.delete(convId);
  return out.sort((a, b) => Number(b.typing) - Number(a.typing) || a.name.localeCompare(b.name));
}

export function markerText(list, { long = false } = {}) {
  if (!list.length) return '';
  const [first] = list;
  const rest = list.length > 1 ? ` +${list.length - 1}` : '';
  if (first.typing) return long ? `${first.name} is typing…${rest}` : `${first.name} typing…${rest}`;
  return long ? `${first.name} is viewing${rest}` : `${first.name} viewing${rest}`;
}

function paintRow(convId, list) {
  const el = $(`#row-${convId} [data-collide]`);
  if (!el) return;
  const text = markerText(list);
  el.hidden = !text;
  el.classList.toggle('typing', Boolean(list[0]?.typing));
  if (el.textContent !== text) el.textContent = text;
}

function paintHead(list) {
  const el = $('#th-collide');
  if (!el) return;
  const text = markerText(list, { long: true });
  el.hidden = !text;
  el.classList.toggle('typing', Boolean(list[0]?.typing));
  if (el.textContent !== text) el.textContent = text; // role=status: announced on change only
}

export function paintMarkers() {
  const now = Date.now();
  for (const el of $$('#conv-list [data-collide]:not([hidden])')) {
    const row = el.closest('.row');
    if (row && !seen.has(Number(row.dataset.id))) paintRow(row.dataset.id, []);
  }
  for (const convId of [...seen.keys()]) paintRow(convId, others(convId, now));
  paintHead(others(openId(), now));
}

export function onActivity(detail) {
  if (!detail || detail.actor_id === me || !detail.conversation_id) return;
  const convId = detail.conversation_id;
  const users = seen.get(convId) || new Map();
  const prev = users.get(detail.actor_id) || { typedAt: 0 };
  const now = Date.now();
  users.set(detail.actor_id, {
    name: detail.data?.name || 'Someone',
    viewedAt: now,
    typedAt: detail.data?.activity === 'typing' ? now : prev.typedAt,
  });
  seen.set(convId, users);
  paintMarkers();
}

export function installPresence() {
  setInterval(() => { if (!document.hidden) ping('viewing'); }, PING_MS);
  setInterval(paintMarkers, 2000);
  document.addEventListener('input', (e) => {
    if (e.target.id !== 'composer-text' || Date.now() - lastTyping < TYPING_PING_MS) return;
    lastTyping = Date.now();
    ping('typing');
  });
  document.addEventListener('dmdesk:thread', () => { ping('viewing'); paintMarkers(); });
  document.addEventListener('dmdesk:list', paintMarkers);
  document.addEventListener('visibilitychange', () => { if (!document.hidden) ping('viewing'); });
  ping('viewing');
}
