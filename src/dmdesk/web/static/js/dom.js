// Small DOM helpers shared by the modules: queries, fragment fetches, announcements.
export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

export function csrfToken() {
  const meta = $('meta[name="csrf-token"]');
  return meta ? meta.content : '';
}

export function parseHTML(html) {
  const tpl = document.createElement('template');
  tpl.innerHTML = html;
  return tpl.content;
}

// Fetch server-rendered HTML; a lost session sends the tab to the login page.
export async function fetchFragment(url, init = {}) {
  const headers = { 'X-Fragment': '1', ...(init.headers || {}) };
  const resp = await fetch(url, { credentials: 'same-origin', ...init, headers });
  if (resp.status === 401) {
    window.location.assign('/login?next=' + encodeURIComponent(location.pathname + location.search));
    throw new Error('login required');
  }
  return { status: resp.status, ok: resp.ok, frag: parseHTML(await resp.text()) };
}

let announceTimer = null;
export function announce(text) {
  const region = $('#announcer');
  if (!region) return;
  clearTimeout(announceTimer);
  region.textContent = '';
  announceTimer = setTimeout(() => { region.textContent = text; }, 60);
}

export function isTyping(el) {
  if (!el || !el.tagName) return false;
  const tag = el.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable) return true;
  if (tag !== 'INPUT') return false;
  return !['button', 'submit', 'radio', 'checkbox', 'reset'].includes(el.type);
}

// The server's HTML of an element, kept so live merges compare like with like
// (the ticker rewrites times in place).
const signatures = new WeakMap();
export function remember(el) { signatures.set(el, el.outerHTML); return el; }
export function signature(el) { return signatures.get(el) ?? el.outerHTML; }
