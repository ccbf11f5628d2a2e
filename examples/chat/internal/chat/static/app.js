// weave chat: one EventSource per room for what others say, fetch POST for
// what we say. No framework, no build step.
'use strict';

const $ = (id) => document.getElementById(id);

let source = null;  // the open EventSource, if any
let me = null;      // {name, room} while in a room
let version = 0;    // newest member list seen; older ones arrive late and are ignored

// Text always goes in with textContent, never as HTML: what people type
// cannot become markup.
function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function setStatus(text) { $('status').textContent = text; }
function showError(text) { $('error').textContent = text; }

function append(node) {
  const log = $('log');
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  log.append(node);
  if (atBottom) log.scrollTop = log.scrollHeight;
}

function showMessage(m, withRoom) {
  const div = el('div', 'msg' + (me && m.name === me.name ? ' mine' : ''));
  if (withRoom) div.append(el('span', 'room', '#' + m.room));
  div.append(el('span', 'who', m.name));
  const t = el('time', '', new Date(m.time).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
  t.dateTime = m.time;
  div.append(t, el('p', 'text', m.text));
  append(div);
}

function showMembers(p) {
  if (p.version < version) return;
  version = p.version;
  $('members').replaceChildren(...p.members.map((n) => el('li', '', n)));
}

function connect(url, handlers) {
  close();
  version = 0;
  $('log').replaceChildren();
  source = new EventSource(url);
  source.onopen = () => setStatus(me ? `In #${me.room} as ${me.name}` : 'Watching every room');
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) {
      // The server refused the stream (full, or shutting down): the
      // browser gives up, so try again a little later ourselves.
      setStatus('The server refused the connection; retrying in 5 s…');
      const s = source;
      setTimeout(() => { if (source === s) connect(url, handlers); }, 5000);
    } else {
      setStatus('Connection lost; reconnecting…');
    }
  };
  for (const [event, fn] of Object.entries(handlers)) {
    source.addEventListener(event, (e) => fn(JSON.parse(e.data)));
  }
}

function close() {
  if (source) source.close();
  source = null;
}

function joinRoom(name, room) {
  me = { name, room };
  document.body.classList.remove('admin');
  $('join').hidden = true;
  $('chat').hidden = false;
  $('leave').hidden = false;
  showError('');
  connect('/events?' + new URLSearchParams({ room, name }), {
    presence: showMembers,
    join: (p) => { showMembers(p); append(el('p', 'note', `${p.name} joined`)); },
    leave: (p) => { showMembers(p); append(el('p', 'note', `${p.name} left`)); },
    message: (m) => showMessage(m, false),
  });
  $('text').focus();
}

function watchAll() {
  me = null;
  document.body.classList.add('admin');
  $('join').hidden = true;
  $('chat').hidden = false;
  $('leave').hidden = false;
  connect('/admin/events', {
    join: (p) => append(el('p', 'note', `${p.name} joined #${p.room}`)),
    leave: (p) => append(el('p', 'note', `${p.name} left #${p.room}`)),
    message: (m) => showMessage(m, true),
  });
}

function leave() {
  close();
  me = null;
  document.body.classList.remove('admin');
  $('chat').hidden = true;
  $('leave').hidden = true;
  $('join').hidden = false;
  setStatus('Not connected');
  if (location.hash) history.replaceState(null, '', location.pathname);
  $('name').focus();
}

async function send(text) {
  let res;
  try {
    res = await fetch('/messages', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ room: me.room, name: me.name, text }),
    });
  } catch {
    showError('Could not reach the server.');
    return false;
  }
  if (res.ok) {
    showError('');
    return true;
  }
  const body = await res.json().catch(() => ({}));
  let msg = body.error || res.statusText;
  if (res.status === 429) msg += ` (try again in ${res.headers.get('Retry-After') || 'a few'} s)`;
  showError(`${res.status}: ${msg}`);
  return false;
}

$('join').addEventListener('submit', (e) => {
  e.preventDefault();
  const name = $('name').value.trim();
  const room = $('room').value.trim();
  sessionStorage.setItem('name', name);
  joinRoom(name, room);
});

$('send').addEventListener('submit', async (e) => {
  e.preventDefault();
  const input = $('text');
  const text = input.value.trim();
  if (!text) return;
  // Clear the box only if it still holds what was sent: the user may have
  // typed the next message while this one was on its way.
  if (await send(text) && input.value.trim() === text) input.value = '';
  input.focus();
});

$('leave').addEventListener('click', leave);

window.addEventListener('hashchange', () => { if (location.hash === '#admin') watchAll(); });

$('name').value = sessionStorage.getItem('name') || '';
if (location.hash === '#admin') watchAll();
