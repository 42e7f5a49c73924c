// Boot: times, keys, forms, list and thread behaviour, the live stream.
import { $ } from './dom.js';
import { installForms, updateCounter } from './forms.js';
import { applyAriaShortcuts, installKeys, showHelp, toggleContact } from './keys.js';
import { loadMore, rememberRows, setupRoving, showQueued, watchPointer } from './list.js';
import { connect } from './live.js';
import { installNotifications } from './notifications.js';
import { installPresence } from './presence.js';
import { loadThreadSla } from './sla.js';
import {
  loadPersonCard, openConversation, rememberThread, scrollToEnd, watchLogScroll,
} from './thread.js';
import { startTicker } from './time.js';

function plainClick(e) {
  return e.button === 0 && !e.metaKey && !e.ctrlKey && !e.shiftKey && !e.altKey;
}

function onClick(e) {
  const el = e.target.closest('a, button');
  if (!el) return;
  const action = el.dataset.action;
  if (action === 'load-more') { e.preventDefault(); loadMore(el); return; }
  if (action === 'show-queued') { showQueued(); return; }
  if (action === 'help') { showHelp(); return; }
  if (action === 'to-end') { scrollToEnd(); return; }
  if (action === 'review') {
    e.preventDefault();
    scrollToEnd();
    $('#thread-log')?.focus();
    return;
  }
  if (action === 'contact') { toggleContact(); return; }
  if (action === 'rail') {
    const open = $('#rail').classList.toggle('expanded');
    el.setAttribute('aria-expanded', String(open));
    return;
  }
  if (el.tagName === 'A' && plainClick(e) && $('#thread-pane')
      && !(el.getAttribute('href') || '').startsWith('#')
      && /^\/conversations\/\d+$/.test(new URL(el.href, location.href).pathname)) {
    e.preventDefault();
    openConversation(el.href);
  }
}

// Saved replies, do-not-say and tone helpers: loaded on their own so a failure there never
// stops the inbox; installed once per composer element.
const helped = new WeakSet();
let helpersLoaded = false;
function installComposerHelpers() {
  const form = $('#composer');
  if (!form || helped.has(form)) return;
  helped.add(form);
  const first = !helpersLoaded;
  helpersLoaded = true;
  import('./replies.js')  // the module installs itself on the composer present when it loads
    .then((mod) => { if (!first) mod.installReplies(); })
    .catch((err) => console.warn('composer helpers not loaded', err));
}

function boot() {
  rememberRows();
  rememberThread();
  startTicker();
  installForms();
  installKeys();
  setupRoving();
  watchPointer();
  watchLogScroll();
  updateCounter();
  document.addEventListener('click', onClick);
  document.addEventListener('dmdesk:thread', () => {
    applyAriaShortcuts($('#thread-pane'));
    installComposerHelpers();
    loadThreadSla();
  });
  installComposerHelpers();
  loadPersonCard();
  window.addEventListener('popstate', () => {
    if (/^\/conversations\/\d+$/.test(location.pathname)) openConversation(location.href, { push: false });
    else location.reload();
  });
  if (location.hash.startsWith('#m-')) $(location.hash)?.scrollIntoView({ block: 'center' });
  else scrollToEnd();
  installNotifications();
  installPresence();
  loadThreadSla();
  connect();
}

boot();
