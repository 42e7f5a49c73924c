// The notification centre: the bell's unread count, its popover (notifications with links,
// mark read, mark all read, preferences), live updates from the stream, and browser
// notifications for the kinds the agent chose (permission asked from that click only).
import { $, announce, csrfToken } from './dom.js';
import { shortSpan } from './time.js';

const API = '/api/v1/notifications';
const KINDS = { assignment: 'Assignments', mention: '@mentions in notes', sla: 'SLA warnings and breaches', reply: 'Customer replies' };
const me = Number($('meta[name="dmdesk-user"]')?.content || 0);
let newest = 0; // the highest notification id this tab has seen
let browserKinds = {};

async function api(path, init = {}) {
  const headers = { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken() };
  const resp = await fetch(API + path, { credentials: 'same-origin', ...init, headers });
  if (!resp.ok) throw new Error(`notifications: ${resp.status}`);
  return resp.json();
}

function paintCount(unread) {
  const badge = $('#bell-count');
  const label = $('#bell-label');
  if (!badge) return;
  badge.hidden = unread === 0;
  badge.textContent = unread > 99 ? '99+' : String(unread);
  const words = unread ? `Notifications, ${unread > 99 ? 'over 99' : unread} unread` : 'Notifications';
  if (label) label.textContent = words;
}

function item(n) {
  const li = document.createElement('li');
  li.className = `notif notif-${n.kind}${n.read ? '' : ' unread'}`;
  const link = document.createElement(n.url ? 'a' : 'span');
  link.className = 'notif-text';
  if (n.url) { link.href = n.url; link.dataset.read = String(n.id); }
  link.textContent = n.text;
  const when = document.createElement('time');
  when.dateTime = n.created_at;
  when.dataset.ago = '';
  when.textContent = shortSpan((Date.now() - Date.parse(n.created_at)) / 1000);
  li.append(link, ' ', when);
  if (!n.read) {
    const mark = document.createElement('button');
    mark.type = 'button';
    mark.className = 'btn btn-small notif-mark';
    mark.dataset.markRead = String(n.id);
    mark.textContent = 'Mark read';
    const unread = document.createElement('span');
    unread.className = 'sr-only';
    unread.textContent = ' (unread)';
    link.append(unread);
    li.append(' ', mark);
  }
  return li;
}

function paintList(items) {
  const list = $('#notif-list');
  if (!list) return;
  list.replaceChildren(...items.map(item));
  $('#notif-empty').hidden = items.length > 0;
}

function popBrowser(items) {
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  if (document.visibilityState === 'visible' && document.hasFocus()) return; // the bell says it
  for (const n of items) {
    if (n.read || n.id <= newest || !browserKinds[n.kind]) continue;
    const note = new Notification('dmdesk', { body: n.text, tag: `dmdesk-${n.id}` });
    note.onclick = () => { window.focus(); if (n.url) location.assign(n.url); note.close(); };
  }
}

export async function loadNotifications({ live = false } = {}) {
  let data;
  try { data = await api('/summary'); } catch (err) { console.warn(err); return; }
  browserKinds = data.browser || {};
  paintCount(data.unread);
  paintList(data.items);
  if (live) popBrowser(data.items);
  newest = Math.max(newest, ...data.items.map((n) => n.id));
}

async function markRead(ids) {
  try {
    await api('/read', { method: 'POST', body: JSON.stringify({ ids }) });
  } catch (err) { console.warn(err); }
  await loadNotifications();
}

function setOpen(open, { focusBell = false } = {}) {
  const bell = $('#bell');
  const pop = $('#notif-pop');
  if (!bell || !pop) return;
  pop.hidden = !open;
  bell.setAttribute('aria-expanded', String(open));
  if (open) { loadNotifications().then(() => $('#notif-h')?.focus()); loadPreferences(); }
  else if (focusBell) bell.focus();
}

async function loadPreferences() {
  const form = $('#notif-prefs');
  if (!form) return;
  try {
    const inApp = await api('/preferences');
    const browser = await api('/preferences/browser');
    for (const kind of Object.keys(KINDS)) {
      form.elements[`app-${kind}`].checked = Boolean(inApp[kind]);
      form.elements[`browser-${kind}`].checked = Boolean(browser[kind]);
    }
  } catch (err) { console.warn(err); }
}

// The change event is the user's gesture: the only place the browser is asked for permission.
async function onPreference(e) {
  const box = e.target;
  const [scope, kind] = box.name.split('-');
  const status = $('#notif-prefs-status');
  if (scope === 'browser' && box.checked && 'Notification' in window
      && Notification.permission !== 'granted') {
    const answer = await Notification.requestPermission();
    if (answer !== 'granted') {
      box.checked = false;
      status.textContent = 'The browser blocked notifications; allow them in its site settings.';
      return;
    }
  }
  const path = scope === 'browser' ? '/preferences/browser' : '/preferences';
  try {
    const saved = await api(path, { method: 'PUT', body: JSON.stringify({ [kind]: box.checked }) });
    if (scope === 'browser') browserKinds = saved;
    status.textContent = 'Saved.';
  } catch {
    box.checked = !box.checked;
    status.textContent = 'Not saved: try again.';
  }
}

function onClick(e) {
  const bell = e.target.closest('#bell');
  const pop = $('#notif-pop');
  if (bell) { setOpen(pop.hidden); return; }
  const mark = e.target.closest('[data-mark-read]');
  if (mark) { markRead([Number(mark.dataset.markRead)]); return; }
  if (e.target.closest('#notif-all-read')) { markRead(null); announce('All notifications marked read'); return; }
  const link = e.target.closest('#notif-list a[data-read]');
  if (link) {
    fetch(`${API}/read`, {
      method: 'POST', credentials: 'same-origin', keepalive: true,
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken() },
      body: JSON.stringify({ ids: [Number(link.dataset.read)] }),
    }).catch(() => {});
    setOpen(false);
    return;
  }
  if (pop && !pop.hidden && !e.target.closest('#notif-pop')) setOpen(false);
}

export function installNotifications() {
  if (!$('#bell')) return;
  document.addEventListener('click', onClick);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !$('#notif-pop').hidden) { e.stopPropagation(); setOpen(false, { focusBell: true }); }
  }, true);
  $('#notif-prefs')?.addEventListener('change', onPreference);
  document.addEventListener('dmdesk:live', (e) => {
    const ev = e.detail;
    if (!ev || !ev.type.startsWith('notification.') || Number(ev.data?.user_id) !== me) return;
    loadNotifications({ live: ev.type === 'notification.created' });
  });
  loadNotifications();
}

export const NOTIFICATION_KINDS = KINDS;
