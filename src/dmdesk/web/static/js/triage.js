// Keyword rules page: the "try it" box answers in place (the plain form POST still works
// without JavaScript) and Ctrl/Cmd+Enter in the sample submits it.
import { $, announce, csrfToken, parseHTML } from './dom.js';

async function tryRules(form) {
  const result = $('#try-result');
  result.setAttribute('aria-busy', 'true');
  try {
    const resp = await fetch(form.action, {
      method: 'POST',
      body: new FormData(form),
      credentials: 'same-origin',
      headers: { 'X-CSRF-Token': csrfToken() },
    });
    const fresh = $('#try-result', parseHTML(await resp.text()));
    if (!resp.ok || !fresh) throw new Error(`answer ${resp.status}`);
    result.replaceChildren(...fresh.childNodes);
    const category = $('.triage-facts dd strong', result);
    announce(`Verdict: ${category ? category.textContent : 'ready'}`);
  } catch (err) {
    const note = document.createElement('p');
    note.className = 'notice';
    note.setAttribute('role', 'alert');
    note.textContent = 'The sample could not be classified. Reload the page and try again.';
    result.replaceChildren(note);
  } finally {
    result.removeAttribute('aria-busy');
  }
}

function install() {
  const form = $('#try-form');
  if (!form) return;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    tryRules(form);
  });
  $('#try-sample', form)?.addEventListener('keydown', (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
      e.preventDefault();
      form.requestSubmit();
    }
  });
}

install();
