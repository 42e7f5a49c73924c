// The conversation list: roving focus (one Tab stop), live refresh with a queue while the
// agent is busy in the list, and "load more" by keyset cursor.
import { $, $$, announce, fetchFragment, remember, signature } from './dom.js';
import { listQuery, openId } from './thread.js';
import { refreshTimes } from './time.js';

let queued = null; // the latest list fragment, held back while the agent is busy
let lastMove = 0;
let pointerInList = false;
let lastSummary = 0;

const rowLinks = () => $$('#conv-list > .row > .row-link');

export function rememberRows(root = document) { $$('#conv-list > .row', root).forEach(remember); }

export function setupRoving() {
  const links = rowLinks();
  if (!links.length) return;
  const active = links.find((a) => a === document.activeElement)
    || links.find((a) => a.hasAttribute('aria-current')) || links[0];
  links.forEach((a) => { a.tabIndex = a === active ? 0 : -1; });
}

export function focusedRowLink() {
  const el = document.activeElement;
  return el && el.classList && el.classList.contains('row-link') ? el : null;
}

export function focusRow(link) {
  if (!link) return;
  rowLinks().forEach((a) => { a.tabIndex = a === link ? 0 : -1; });
  link.focus();
  link.scrollIntoView({ block: 'nearest' });
  lastMove = Date.now();
}

export function moveRow(step) {
  const links = rowLinks();
  if (!links.length) return;
  const from = focusedRowLink() || links.find((a) => a.hasAttribute('aria-current'));
  const index = from ? links.indexOf(from) + step : (step > 0 ? 0 : links.length - 1);
  focusRow(links[Math.max(0, Math.min(links.length - 1, index))]);
}

export function edgeRow(last) {
  const links = rowLinks();
  focusRow(last ? links[links.length - 1] : links[0]);
}

export function currentRowLink() {
  return rowLinks().find((a) => a.hasAttribute('aria-current')) || null;
}

// The row after (or else before) the open one: where `e` goes after resolving.
export function neighbourOfOpen() {
  const links = rowLinks();
  const i = links.findIndex((a) => a.hasAttribute('aria-current'));
  if (i < 0) return null;
  return links[i + 1] || links[i - 1] || null;
}

function busy() {
  const body = $('#list-body');
  if (!body) return false;
  return pointerInList || body.scrollTop > 4 || Date.now() - lastMove < 3000
    || $('#list-pane').contains(document.activeElement);
}

function listUrl(extra = '') {
  const qs = listQuery();
  const open = openId();
  return `/fragments/list?${qs}${open ? `&open=${open}` : ''}${extra}`;
}

function applyRail(frag) {
  const rail = $('#rail-views');
  const next = frag.querySelector('#rail-views');
  if (rail && next) rail.replaceWith(next);
  const head = $('#list-head');
  const nextHead = frag.querySelector('#list-head');
  if (head && nextHead && !head.querySelector('details[open]')) head.replaceWith(nextHead);
}

function replaceBody(frag) {
  const body = $('#list-body');
  const next = frag.querySelector('#list-body');
  if (!body || !next) return;
  const hadFocus = focusedRowLink()?.closest('.row')?.dataset.id;
  const scroll = body.scrollTop;
  rememberRows(next);
  body.replaceWith(next);
  next.scrollTop = scroll;
  refreshTimes(next);
  setupRoving();
  if (hadFocus) $(`#row-${hadFocus} .row-link`)?.focus({ preventScroll: true });
  showPill(0);
}

function mergeInPlace(frag) {
  const fresh = new Map($$('#conv-list > .row', frag).map((r) => [r.id, r]));
  const complete = !frag.querySelector('[data-action="load-more"]');
  let added = 0;
  for (const [id, row] of fresh) {
    const old = document.getElementById(id);
    if (!old) { added += 1; continue; }
    remember(row);
    if (signature(old) !== signature(row)) {
      const hadFocus = old.contains(document.activeElement);
      old.replaceWith(row);
      refreshTimes(row);
      if (hadFocus) $('.row-link', row).focus({ preventScroll: true });  // same place, new content
    }
  }
  if (complete) {
    for (const old of $$('#conv-list > .row')) {
      if (!fresh.has(old.id) && !old.contains(document.activeElement)) old.remove();
    }
  }
  setupRoving();
  return added;
}

function showPill(count) {
  const pill = $('#new-pill');
  if (!pill) return;
  pill.hidden = count === 0;
  pill.textContent = `${count} new — press .`;
  if (count && Date.now() - lastSummary > 5000) {
    lastSummary = Date.now();
    announce(`${count} new in ${$('#list-heading')?.firstChild?.textContent.trim() || 'this view'}`);
  }
}

export async function refreshList() {
  if (!$('#list-body')) return;
  const { ok, frag } = await fetchFragment(listUrl());
  if (!ok) return;
  applyRail(frag);
  if (!busy()) { queued = null; replaceBody(frag); listChanged(); return; }
  queued = frag;
  showPill(mergeInPlace(frag));
  listChanged();
}

// Rows were replaced: collision markers and other decorations paint themselves again.
function listChanged() { document.dispatchEvent(new CustomEvent('dmdesk:list')); }

export function showQueued() {
  if (queued) { replaceBody(queued); queued = null; listChanged(); }
  $('#list-body').scrollTop = 0;
  const first = rowLinks()[0];
  if (first) focusRow(first);
}

export async function loadMore(button) {
  const body = $('#list-body');
  body.setAttribute('aria-busy', 'true');
  try {
    const cursor = encodeURIComponent(button.dataset.cursor);
    const { ok, frag } = await fetchFragment(listUrl(`&cursor=${cursor}`));
    if (!ok) return;
    const rows = $$('#conv-list > .row', frag).filter((r) => !document.getElementById(r.id));
    rows.forEach(remember);
    $('#conv-list').append(...rows);
    $('#load-more').replaceWith(frag.querySelector('#load-more'));
    refreshTimes(body);
    setupRoving();
    listChanged();
  } finally {
    body.setAttribute('aria-busy', 'false');
  }
}

export function watchPointer() {
  const pane = $('#list-pane');
  if (!pane) return;
  pane.addEventListener('pointerenter', () => { pointerInList = true; });
  pane.addEventListener('pointerleave', () => { pointerInList = false; });
}
