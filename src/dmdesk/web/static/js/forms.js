// Thread forms by fetch (plain POSTs still work without JS), menus, and the composer.
import { $, $$, csrfToken, fetchFragment } from './dom.js';
import { refreshList } from './list.js';
import { applyThread } from './thread.js';

const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

export async function submitForm(form, submitter = null) {
  const body = new FormData(form, submitter);
  if (body.has('tz')) body.set('tz', timeZone);
  const busy = $('#thread-pane');
  busy?.setAttribute('aria-busy', 'true');
  try {
    const { ok, frag } = await fetchFragment(form.action, {
      method: 'POST',
      body,
      headers: { 'X-CSRF-Token': csrfToken() },
    });
    if (!frag.querySelector('#thread')) throw new Error('no thread in the answer');
    applyThread(frag, { own: true, composer: form.id === 'composer' });
    refreshList().catch(() => {});
    return ok;
  } finally {
    busy?.removeAttribute('aria-busy');
  }
}

function onSubmit(event) {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || form.method !== 'post') return;
  if (!form.closest('#thread-pane')) return;
  event.preventDefault();
  form.closest('details')?.removeAttribute('open');
  submitForm(form, event.submitter).catch(() => showFailure(form));
}

function showFailure(form) {
  const note = document.createElement('p');
  note.className = 'notice';
  note.setAttribute('role', 'alert');
  note.textContent = 'That did not go through, so nothing changed. Reload the page and try again.';
  const place = form.closest('#composer') ? form : ($('#thread-head') || form);
  place.append(note);
  setTimeout(() => note.remove(), 8000);
}

export function updateCounter() {
  const form = $('#composer');
  const text = $('#composer-text');
  const counter = $('#composer-counter');
  if (!form || !text || !counter) return;
  const left = Number(form.dataset.limit) - text.value.length;
  counter.textContent = left >= 0 ? `${left} characters left` : `${-left} characters over the limit`;
  counter.classList.toggle('over', left < 0);
}

export function setMode(mode) {
  const radio = $(mode === 'note' ? '#mode-note' : '#mode-reply');
  if (!radio) return;
  radio.checked = true;
  $('#composer-text')?.focus();
}

// Close open menus (but `except`); returns the last one closed, or null.
export function closeMenus(except = null) {
  let closed = null;
  for (const menu of $$('details.menu[open]')) {
    if (menu === except || menu.contains(except)) continue;
    menu.removeAttribute('open');
    closed = menu;
  }
  return closed;
}

export function openMenu(id) {
  const menu = $(id);
  if (!menu) return;
  closeMenus(menu);
  menu.setAttribute('open', '');
  $('.menu-item, input:not([type="hidden"]), button', $('.menu-pop', menu))?.focus();
}

export function installForms() {
  document.addEventListener('submit', onSubmit);
  document.addEventListener('input', (e) => { if (e.target.id === 'composer-text') updateCounter(); });
  document.addEventListener('change', (e) => {
    if (e.target.name === 'mode' && e.target.closest('#composer')) $('#composer-text')?.focus();
  });
  document.addEventListener('click', (e) => {
    if (!e.target.closest('details.menu')) closeMenus();
  });
}
