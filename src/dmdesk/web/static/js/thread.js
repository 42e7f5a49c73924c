// The open conversation: open by fetch (a real link without JS), merge live changes into
// the thread without stealing focus, keep the reader's scroll position.
import { $, $$, announce, fetchFragment, remember, signature } from './dom.js';
import { refreshTimes } from './time.js';

const NEAR_BOTTOM_PX = 48;

export function openId() {
  const el = $('#thread');
  return el ? Number(el.dataset.convId) : null;
}

export function listQuery() {
  const inbox = $('#inbox');
  return inbox ? inbox.dataset.qs : '';
}

function seenFlag() {
  return document.visibilityState === 'visible' && document.hasFocus() ? 1 : 0;
}

function threadUrl(id) {
  const qs = listQuery();
  return `/fragments/thread/${id}?${qs ? qs + '&' : ''}seen=${seenFlag()}`;
}

export function rememberThread(root = document) {
  $$('#thread-log > [id]', root).forEach(remember);
}

function atBottom(log) {
  return log.scrollHeight - log.scrollTop - log.clientHeight < NEAR_BOTTOM_PX;
}

export function scrollToEnd() {
  const log = $('#thread-log');
  if (log) log.scrollTop = log.scrollHeight;
  const pill = $('#new-below');
  if (pill) pill.hidden = true;
}

// The "New messages below" pill goes once the reader reaches the end.
export function watchLogScroll() {
  document.addEventListener('scroll', (e) => {
    if (e.target.id === 'thread-log' && atBottom(e.target)) $('#new-below').hidden = true;
  }, true);
}

function markCurrentRow(id) {
  for (const row of $$('#conv-list > .row')) {
    const on = Number(row.dataset.id) === id;
    row.classList.toggle('current', on);
    const link = $('.row-link', row);
    if (on) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
  }
}

// Seen now: drop the unread mark at once; the next list refresh confirms it.
function markSeen(id) {
  const row = document.getElementById(`row-${id}`);
  if (!row || !seenFlag()) return;
  row.classList.remove('unread');
  row.querySelector('.badge')?.remove();
}

// The person card (identities, stage, orders...) comes from its own fragment.
export async function loadPersonCard() {
  const panel = $('#contact-panel');
  const id = openId();
  if (!panel || !id || $('#person-panel', panel)) return;
  try {
    const { ok, frag } = await fetchFragment(`/fragments/contact/${id}`);
    const card = frag.querySelector('#person-panel');
    if (ok && card && openId() === id && !$('#person-panel', panel)) panel.append(card);
  } catch (err) {
    console.warn('person card not loaded', err);
  }
}

function installThread(frag) {
  const pane = $('#thread-pane');
  pane.replaceChildren(...frag.childNodes);
  rememberThread(pane);
  refreshTimes(pane);
  document.body.classList.add('has-thread');
  const thread = $('#thread');
  if (thread) {
    markCurrentRow(Number(thread.dataset.convId));
    markSeen(Number(thread.dataset.convId));
    loadPersonCard();
  }
  scrollToEnd();
  changed();
}

function changed() { document.dispatchEvent(new CustomEvent('dmdesk:thread')); }

export async function openConversation(href, { push = true, focus = 'title' } = {}) {
  const url = new URL(href, location.href);
  const id = Number(url.pathname.split('/').pop());
  const pane = $('#thread-pane');
  if (!pane || !id) { location.assign(href); return; }
  pane.setAttribute('aria-busy', 'true');
  try {
    const { ok, frag } = await fetchFragment(threadUrl(id));
    if (!ok) { location.assign(href); return; }
    installThread(frag);
    if (push) history.pushState({ conv: id }, '', url.pathname + url.search + url.hash);
    const name = $('#thread')?.dataset.contact;
    if (name) document.title = `${name} · dmdesk`;
    const target = focus === 'composer' ? $('#composer-text') : $('#thread-title');
    target?.focus({ preventScroll: true });
    if (url.hash) $(url.hash)?.scrollIntoView({ block: 'center' });
  } finally {
    pane.removeAttribute('aria-busy');
  }
}

function mergeLog(newLog, own) {
  const log = $('#thread-log');
  const stick = own || atBottom(log);
  const end = $('#thread-end', log);
  const fresh = [];
  const keep = new Set();
  for (const node of Array.from(newLog.children)) {
    if (!node.id || node.id === 'thread-end') continue;
    keep.add(node.id);
    const old = log.querySelector(`#${CSS.escape(node.id)}`);
    remember(node);
    if (!old) { log.insertBefore(node, end); fresh.push(node); }
    else if (signature(old) !== signature(node)) old.replaceWith(node);
  }
  $$(':scope > [id]', log).forEach((el) => {
    if (el !== end && !keep.has(el.id)) el.remove();
  });
  refreshTimes(log);
  if (stick) scrollToEnd();
  else if (fresh.length) $('#new-below').hidden = false;
  return fresh;
}

function announceInbound(nodes) {
  const thread = $('#thread');
  const inbound = nodes.filter((n) => n.dataset && n.dataset.direction === 'inbound');
  if (!inbound.length || !thread) return;
  const last = inbound[inbound.length - 1];
  const text = ($('.text', last)?.textContent || 'a new message').trim().slice(0, 140);
  announce(`${thread.dataset.contact}, ${thread.dataset.channel}: ${text}`);
}

function busyHead(head) {
  return head.querySelector('details[open]') || (head.contains(document.activeElement)
    && document.activeElement.tagName === 'INPUT' && document.activeElement.value);
}

// Apply a thread fragment: `own` after this agent's action, `composer` when the composer sent.
export function applyThread(frag, { own = false, composer = false } = {}) {
  const next = frag.querySelector('#thread');
  const current = $('#thread');
  if (!next) return;
  if (!current || current.dataset.convId !== next.dataset.convId) { installThread(frag); return; }
  for (const key of ['convId', 'version', 'status', 'contact']) current.dataset[key] = next.dataset[key];
  const head = $('#thread-head');
  if (own || !busyHead(head)) {
    const focusedKey = document.activeElement?.dataset?.key;
    head.replaceWith(frag.querySelector('#thread-head'));
    refreshTimes($('#thread-head'));
    if (focusedKey && own) $(`#thread-head [data-key="${focusedKey}"]`)?.focus();
  }
  const fresh = mergeLog(frag.querySelector('#thread-log'), own);
  if (!own) announceInbound(fresh);
  const panel = $('#contact-panel');
  const nextPanel = frag.querySelector('#contact-panel');
  if (panel && nextPanel) {
    nextPanel.className = panel.className;
    const person = $('#person-panel', panel);
    if (person) nextPanel.append(person);
    panel.replaceWith(nextPanel);
  }
  replaceTriage(frag.querySelector('#triage-panel'));
  updateComposer(frag.querySelector('#composer'), { own, composer });
  changed();
}

function replaceTriage(next) {
  const current = $('#triage-panel');
  if (!current || !next) return;
  const wasOpen = $('details', current)?.open;
  const focusedId = current.contains(document.activeElement) ? document.activeElement.id : '';
  if (wasOpen) $('details', next)?.setAttribute('open', '');
  current.replaceWith(next);
  if (focusedId) document.getElementById(focusedId)?.focus();
}

function updateComposer(next, { own, composer }) {
  const form = $('#composer');
  if (!form || !next) return;
  if (composer) {
    form.replaceWith(next);
    const text = $('#composer-text');
    text.focus();
    text.setSelectionRange(text.value.length, text.value.length);
    if (!next.querySelector('#composer-error')) scrollToEnd();
    return;
  }
  const text = $('#composer-text');
  // A colleague's change only moves the send guard while no draft has begun.
  if (own || !text.value.trim()) {
    form.elements.expected_version.value = next.elements.expected_version.value;
  }
}

export async function refreshThread() {
  const id = openId();
  if (!id) return;
  const { ok, frag } = await fetchFragment(threadUrl(id));
  if (ok && openId() === id) applyThread(frag);
}
