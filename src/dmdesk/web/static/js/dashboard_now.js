// The dashboard's NOW strip: poll /dashboard/now.json every 15 s and put the server's
// texts into the [data-now] slots; the definition links open the definitions first.
const POLL_MS = 15000;

function render(strip, payload) {
  for (const el of strip.querySelectorAll('[data-now]')) {
    const text = payload.text[el.dataset.now];
    if (text !== undefined && el.textContent !== text) el.textContent = text;
  }
  const at = strip.querySelector('[data-now-at]');
  if (at) {
    at.dateTime = payload.at;
    at.textContent = payload.text.at_local; // the workspace's time, like the spike hours
  }
  const list = strip.querySelector('[data-now-spikes]');
  const lines = payload.spikes;
  const current = [...list.children].map((li) => li.textContent);
  if (current.join('\n') !== lines.join('\n')) {
    list.replaceChildren(...lines.map((line) => {
      const li = document.createElement('li');
      li.className = 'dash-spike';
      li.textContent = line;
      return li;
    }));
  }
}

async function poll(strip) {
  if (document.hidden) return;
  try {
    const resp = await fetch(strip.dataset.nowUrl, { headers: { Accept: 'application/json' } });
    if (resp.ok) render(strip, await resp.json());
  } catch {
    // offline or restarting: keep the last figures and try again on the next tick
  }
}

// A card's "definition" link opens the definitions: on the click itself (delegated, so a
// link added later works too), and on any arrival at a #def- address (load, back/forward).
function openDefinitions() {
  const open = () => {
    const defs = document.getElementById('definitions');
    if (defs) defs.open = true;
  };
  document.addEventListener('click', (event) => {
    if (event.target instanceof Element && event.target.closest('a.def-link')) open();
  });
  window.addEventListener('hashchange', () => {
    if (location.hash.startsWith('#def-')) open();
  });
  if (location.hash.startsWith('#def-')) open();
}

const strip = document.querySelector('[data-now-url]');
if (strip) {
  strip.dataset.nowReady = '1';
  setInterval(() => poll(strip), POLL_MS);
  document.addEventListener('visibilitychange', () => poll(strip));
}
openDefinitions();
