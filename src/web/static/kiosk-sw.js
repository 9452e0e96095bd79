// Hailong's rating tablet, offline: this service worker keeps the last rating screen (the
// faces, drawn inline) and the tablet's script, so that a tablet reloaded while the network is
// down still shows the faces and queues the taps (kiosk.js sends them later with their tap
// times). The network always comes first: a copy is served only when it cannot be reached.
// Only the faces screen is kept (never a thank-you, a reasons screen or "not paired"), and
// nothing a citizen sends passes through here (posts go to the network, or wait in the queue).
var CACHE = 'hailong-kiosk-v2';
var SCRIPT = '/static/kiosk.js';

// Keeps a copy of the faces screen under `key`, when `r` is one.
function keep(key, r) {
  return r.text().then(function (html) {
    if (html.indexOf('class="faces"') === -1) return;
    return caches.open(CACHE).then(function (c) {
      return c.put(key, new Response(html, { headers: { 'Content-Type': 'text/html; charset=utf-8' } }));
    });
  });
}

self.addEventListener('install', function (e) {
  e.waitUntil(caches.open(CACHE).then(function (c) { return c.add(SCRIPT); }).then(function () {
    return fetch('/kiosk', { credentials: 'same-origin' }).then(function (r) {
      return r.status === 200 ? keep('/kiosk', r) : null;
    }, function () { return null; });
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function isScreen(url) {
  return url.pathname === '/kiosk';
}

self.addEventListener('fetch', function (e) {
  var req = e.request;
  if (req.method !== 'GET') return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (isScreen(url)) {
    // The language is the one thing that tells two screens apart.
    var key = '/kiosk' + (url.searchParams.get('lang') === 'en' ? '?lang=en' : '');
    e.respondWith(fetch(req).then(function (r) {
      if (r.status === 200) keep(key, r.clone());
      return r;
    }, function () {
      return caches.match(key).then(function (hit) { return hit || caches.match('/kiosk'); }).then(function (hit) {
        return hit || new Response('', { status: 503 });
      });
    }));
    return;
  }
  if (url.pathname === SCRIPT) {
    e.respondWith(fetch(req).then(function (r) {
      if (r.status === 200) {
        var copy = r.clone();
        caches.open(CACHE).then(function (c) { c.put(SCRIPT, copy); });
      }
      return r;
    }, function () { return caches.match(SCRIPT); }));
  }
});
