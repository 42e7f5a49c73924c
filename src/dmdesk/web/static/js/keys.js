// Keyboard shortcuts from ONE registry: it drives the handlers, the `?` overlay and the
// aria-keyshortcuts of every control marked data-key="<id>". Single keys never fire while
// typing in a field, nor with Ctrl/Cmd/Alt held.
import { $, $$, isTyping } from './dom.js';
import { closeMenus, openMenu, setMode, submitForm } from './forms.js';
import {
  currentRowLink, edgeRow, focusRow, focusedRowLink, moveRow, neighbourOfOpen, showQueued,
} from './list.js';
import { openConversation } from './thread.js';

const click = (sel) => () => $(sel)?.click();

async function resolveAndAdvance() {
  const button = $('#thread-head [data-key="resolve"]');
  if (!button) return;
  const next = neighbourOfOpen();
  const ok = await submitForm(button.form, button);
  if (!ok) return;
  if (next) openConversation(next.href);
  else focusRow(currentRowLink());
}

function back() {
  const link = currentRowLink() || focusedRowLink();
  if (window.matchMedia('(max-width: 767px)').matches) { $('[data-key="back"]')?.click(); return; }
  if (link) focusRow(link); else edgeRow(false);
}

export function toggleContact() {
  const panel = $('#contact-panel');
  if (!panel) return;
  const open = panel.classList.toggle('open');
  $('[data-key="contact"]')?.setAttribute('aria-expanded', String(open));
}

function goto(view) { return () => location.assign(`/inbox?view=${view}`); }

// id, keys as KeyboardEvent.key values ("g i" = a sequence), what it does.
export const SHORTCUTS = [
  { id: 'next', keys: ['j'], label: 'Next conversation', run: () => moveRow(1) },
  { id: 'prev', keys: ['k'], label: 'Previous conversation', run: () => moveRow(-1) },
  { id: 'list-down', keys: ['ArrowDown'], label: 'Next row (in the list)', when: focusedRowLink,
    run: () => moveRow(1) },
  { id: 'list-up', keys: ['ArrowUp'], label: 'Previous row (in the list)', when: focusedRowLink,
    run: () => moveRow(-1) },
  { id: 'list-home', keys: ['Home', 'End'], label: 'First / last row (in the list)',
    when: focusedRowLink, run: () => edgeRow(false) },
  { id: 'open', keys: ['o'], label: 'Open the focused conversation (or Enter)',
    run: () => { const l = focusedRowLink(); if (l) openConversation(l.href); } },
  { id: 'back', keys: ['Escape', 'u'], label: 'Back to the list', run: back },
  { id: 'reply', keys: ['r'], label: 'Reply', run: () => setMode('reply') },
  { id: 'note', keys: ['N'], label: 'Internal note', run: () => setMode('note') },
  { id: 'send', keys: ['Control+Enter', 'Meta+Enter'], label: 'Send (in the reply box)', field: true },
  { id: 'resolve', keys: ['e'], label: 'Resolve, then open the next', run: resolveAndAdvance },
  { id: 'reopen', keys: ['E'], label: 'Reopen', run: click('#thread-head [data-key="reopen"]') },
  { id: 'assign', keys: ['a'], label: 'Assign…', run: () => openMenu('#assign-menu') },
  { id: 'assign-me', keys: ['A'], label: 'Assign to me',
    run: click('#assign-menu button[value="me"]') },
  { id: 'tag', keys: ['l'], label: 'Add a tag', run: () => $('#tag-input')?.focus() },
  { id: 'spam', keys: ['!'], label: 'Mark spam / not spam', run: click('#triage-spam-toggle') },
  { id: 'snooze', keys: ['h'], label: 'Snooze…', run: () => openMenu('#snooze-menu') },
  { id: 'contact', keys: ['i'], label: 'Show or hide the contact panel', run: toggleContact },
  { id: 'search', keys: ['/'], label: 'Search', run: () => $('#search-q')?.focus() },
  { id: 'queued', keys: ['.'], label: 'Show new rows', run: showQueued },
  { id: 'help', keys: ['?'], label: 'Keyboard shortcuts', run: () => showHelp() },
  { id: 'go-mine', keys: ['g i'], label: 'Go to Mine', run: goto('mine') },
  { id: 'go-unassigned', keys: ['g u'], label: 'Go to Unassigned', run: goto('unassigned') },
  { id: 'go-all', keys: ['g a'], label: 'Go to All open', run: goto('open') },
  { id: 'go-snoozed', keys: ['g s'], label: 'Go to Snoozed', run: goto('snoozed') },
];

const ARIA = { N: 'Shift+N', E: 'Shift+E', A: 'Shift+A', '?': 'Shift+?', '!': 'Shift+!' };
const SHOWN = { '?': '?', Escape: 'Esc', 'Control+Enter': 'Ctrl+Enter', 'Meta+Enter': 'Cmd+Enter' };
const shown = (k) => (SHOWN[k] || ARIA[k] || k).replace(' ', ' then ');
const ariaOf = (k) => ARIA[k] || k;

export function applyAriaShortcuts(root = document) {
  for (const el of $$('[data-key]', root)) {
    const entry = SHORTCUTS.find((s) => s.id === el.dataset.key);
    if (entry) el.setAttribute('aria-keyshortcuts', entry.keys.map(ariaOf).join(' '));
  }
}

let helpDialog = null;
export function showHelp() {
  if (!helpDialog) {
    helpDialog = document.createElement('dialog');
    helpDialog.className = 'keys';
    helpDialog.setAttribute('aria-labelledby', 'keys-title');
    const rows = SHORTCUTS.map((s) => `<tr><td>${s.keys.map((k) => `<kbd>${shown(k)}</kbd>`)
      .join(' ')}</td><td>${s.label}</td></tr>`).join('');
    helpDialog.innerHTML = `<h2 id="keys-title">Keyboard shortcuts</h2>
      <p class="muted">Single keys work when you are not typing in a field.</p>
      <table><tbody>${rows}</tbody></table>
      <form method="dialog"><button class="btn">Close</button></form>`;
    document.body.append(helpDialog);
  }
  helpDialog.showModal();
}

function keyName(e) {
  let key = e.key;
  if (key.length === 1 && !/[\x20-\x7e]/.test(key) && /^Key[A-Z]$/.test(e.code)) {
    key = e.shiftKey ? e.code.slice(3) : e.code.slice(3).toLowerCase(); // non-Latin layouts
  }
  return key;
}

let prefix = null;
let prefixTimer = null;

function find(key) {
  const entry = SHORTCUTS.find((s) => !s.field && s.keys.includes(key));
  if (!entry || (entry.when && !entry.when())) return null;
  if (entry.id === 'list-home' && key === 'End') return { run: () => edgeRow(true) };
  return entry;
}

function onKey(e) {
  if (e.defaultPrevented || e.isComposing) return;
  const target = e.target;
  if ((e.ctrlKey || e.metaKey) && e.key === 'Enter' && target.id === 'composer-text') {
    e.preventDefault();
    target.form.requestSubmit();
    return;
  }
  if (e.key === 'Escape') {
    const menu = closeMenus();
    if (menu) { e.preventDefault(); $('summary', menu).focus(); return; }
    if (isTyping(target)) { target.blur(); back(); e.preventDefault(); return; }
  }
  if (e.ctrlKey || e.metaKey || e.altKey || isTyping(target) || $('dialog[open]')) return;
  const key = keyName(e);
  const entry = prefix ? find(`${prefix} ${key}`) : (key === 'g' ? null : find(key));
  clearTimeout(prefixTimer);
  if (!prefix && key === 'g') {
    prefix = 'g';
    prefixTimer = setTimeout(() => { prefix = null; }, 1000);
    return;
  }
  prefix = null;
  if (!entry) return;
  e.preventDefault();
  entry.run();
}

export function installKeys() {
  document.addEventListener('keydown', onKey);
  applyAriaShortcuts();
}
