// Composer helpers for saved replies and governance: the "/" picker, the live do-not-say
// check with reasons and alternatives, tone guidelines, and blocking unfilled variables.
// Include with <script type="module" src="{{ asset('js/replies.js') }}"></script>.
// All text is inserted with textContent: nothing from the server is parsed as HTML.

const API = '/api/v1';
const VARIABLE = /\{\{\s*[a-z_.]+\s*\}\}/;

function csrf() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : '';
}

async function api(path, init = {}) {
  const headers = { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf(), ...(init.headers || {}) };
  const resp = await fetch(API + path, { credentials: 'same-origin', ...init, headers });
  if (!resp.ok) throw new Error(`${resp.status}`);
  return resp.json();
}

function el(tag, attrs = {}, text = '') {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
}

function debounce(fn, ms) {
  let timer = null;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

function isReplyMode(form) {
  const mode = form.querySelector('input[name="mode"]:checked');
  return !mode || mode.value === 'reply';
}

function installCheck(form, box, panel) {
  const list = el('ul', { class: 'dns-findings', 'aria-live': 'polite' });
  panel.append(list);
  const run = debounce(async () => {
    list.replaceChildren();
    if (!isReplyMode(form) || !box.value.trim()) return;
    let out;
    try { out = await api('/governance/check', { method: 'POST', body: JSON.stringify({ text: box.value }) }); }
    catch { return; }
    for (const f of out.findings) {
      const item = el('li', { class: `dns dns-${f.effect}` });
      item.append(el('mark', {}, f.matched));
      item.append(document.createTextNode(` ${f.reason || 'not allowed'}`));
      if (f.alternative) item.append(document.createTextNode(` — try “${f.alternative}”`));
      if (f.effect === 'approval') item.append(document.createTextNode(' (needs approval)'));
      list.append(item);
    }
  }, 300);
  box.addEventListener('input', run);
}

function installVariableGuard(form, box, panel) {
  const warn = el('p', { class: 'unresolved-warning', role: 'alert', hidden: '' },
    'Fill in the highlighted {{variables}} before sending.');
  panel.append(warn);
  const send = form.querySelector('button[type="submit"].send-btn');
  const check = () => {
    const blocked = isReplyMode(form) && VARIABLE.test(box.value);
    warn.hidden = !blocked;
    if (send) send.disabled = blocked;
  };
  box.addEventListener('input', check);
  form.addEventListener('change', check);
  return check;
}

async function installTone(panel) {
  try {
    const settings = await api('/governance/settings');
    if (!settings.tone_guidelines) return;
    const details = el('details', { class: 'tone-guidelines' });
    details.append(el('summary', {}, 'Tone guidelines'), el('p', {}, settings.tone_guidelines));
    panel.prepend(details);
  } catch { /* settings are optional */ }
}

function slashQuery(box) {
  const upto = box.value.slice(0, box.selectionStart);
  const match = upto.match(/(^|\s)\/([^\s/]{0,40})$/);
  return match ? { query: match[2], start: upto.length - match[2].length - 1 } : null;
}

function installPicker(form, box, panel, convId, recheck) {
  const pop = el('ul', { class: 'saved-picker', role: 'listbox', id: 'saved-picker', hidden: '' });
  panel.append(pop);
  let items = [];
  let active = 0;
  let slash = null;
  const close = () => { pop.hidden = true; box.removeAttribute('aria-activedescendant'); };
  const draw = () => {
    pop.replaceChildren(...items.map((r, i) => {
      const li = el('li', { role: 'option', id: `sr-${r.id}`, 'aria-selected': String(i === active) });
      li.append(el('strong', {}, r.name), el('span', { class: 'muted' }, ` ${r.body.slice(0, 80)}`));
      li.addEventListener('mousedown', (e) => { e.preventDefault(); choose(i); });
      return li;
    }));
    pop.hidden = items.length === 0;
    if (items[active]) box.setAttribute('aria-activedescendant', `sr-${items[active].id}`);
  };
  const choose = async (i) => {
    const pick = items[i];
    if (!pick || !slash) return close();
    const preview = await api(`/conversations/${convId}/saved-replies/${pick.id}/preview`);
    const end = box.selectionStart;
    box.value = box.value.slice(0, slash.start) + preview.text + box.value.slice(end);
    box.dispatchEvent(new Event('input', { bubbles: true }));
    close();
    recheck();
  };
  const search = debounce(async (q) => {
    try { items = (await api(`/saved-replies?q=${encodeURIComponent(q)}`)).items.slice(0, 8); }
    catch { items = []; }
    active = 0;
    draw();
  }, 150);
  box.addEventListener('input', () => {
    slash = isReplyMode(form) ? slashQuery(box) : null;
    if (slash) search(slash.query); else close();
  });
  box.addEventListener('keydown', (e) => {
    if (pop.hidden) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      active = (active + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length;
      draw();
      e.preventDefault();
    } else if (e.key === 'Enter' || e.key === 'Tab') {
      e.preventDefault();
      choose(active);
    } else if (e.key === 'Escape') {
      close();
    }
  });
}

export function installReplies() {
  const form = document.getElementById('composer');
  const box = document.getElementById('composer-text');
  const match = form && form.getAttribute('action').match(/\/conversations\/(\d+)\//);
  if (!form || !box || !match) return;
  const panel = el('div', { class: 'composer-helpers' });
  box.after(panel);
  const recheck = installVariableGuard(form, box, panel);
  installCheck(form, box, panel);
  installPicker(form, box, panel, match[1], recheck);
  installTone(panel);
}

installReplies();
