// Hailong's rating tablet, with JavaScript: the whole tap → reasons → thank-you → faces loop
// runs on the tablet, and every rating (with its UUID and the time of its tap) waits in a
// queue kept in localStorage until the server has it; the server stores each id once, so a
// retry never counts twice, and judges misuse on the tap time (it is sent as `age`, the
// milliseconds since the tap), so that ratings queued while offline count as they were tapped.
// A service worker (/kiosk/sw.js) keeps the screen, so that a reload while offline still shows
// the faces. Without this script the screen works as plain forms (see kiosk.html).
(function () {
  var KEY = 'hailong-kiosk-queue';
  // Taps this soon after the screen changed are ignored: a double tap on a face must not tick
  // the reason that appears under the finger.
  var SETTLE = 500;
  var faces = document.querySelector('form.faces');
  var reasonsT = document.getElementById('reasons-t');
  var thanksT = document.getElementById('thanks-t');
  if (!faces || !reasonsT || !thanksT || !window.fetch) return;
  var main = faces.parentNode;
  var start = main.innerHTML;
  var idle = (parseInt(document.body.getAttribute('data-idle'), 10) || 30) * 1000;
  var mark = document.getElementById('pending');
  var pendingText = (mark && mark.getAttribute('data-text')) || '{n}';
  var timer = null;
  var settled = 0;

  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/kiosk/sw.js', { scope: '/kiosk' }).catch(function () { });
  }

  // A queued item: {b: the form body, t: the tap's time (ms since the epoch)}. Items of an
  // older script were bare bodies: they go as if tapped now.
  function load() {
    var q;
    try { q = JSON.parse(localStorage.getItem(KEY) || '[]'); } catch (e) { q = []; }
    return q.map(function (x) { return typeof x === 'string' ? { b: x, t: Date.now() } : x; });
  }
  function save(q) { try { localStorage.setItem(KEY, JSON.stringify(q)); } catch (e) { } show(q); }
  function show(q) {
    if (!mark) return;
    mark.textContent = q.length ? pendingText.replace('{n}', q.length) : '';
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }
  var sending = false;
  function flush() {
    var q = load();
    show(q);
    if (sending || !q.length) return;
    sending = true;
    var item = q[0];
    var age = Math.max(0, Date.now() - item.t);
    fetch('/kiosk/rate', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Accept': 'application/json' },
      body: item.b + '&age=' + age,
      credentials: 'same-origin'
    }).then(function (r) {
      sending = false;
      // Stored (201), or refused for good (4xx but 429): either way it leaves the queue.
      // 429: the tablet's limit; the queue tries again at the next round.
      if (r.status === 201 || (r.status >= 400 && r.status < 500 && r.status !== 429)) {
        save(load().filter(function (x) { return x.b !== item.b || x.t !== item.t; }));
        if (r.status === 403) location.reload();
        flush();
      }
    }, function () { sending = false; });
  }
  function queue(body) { var q = load(); q.push({ b: body, t: Date.now() }); save(q); flush(); }
  function encode(pairs) {
    return pairs.map(function (p) { return encodeURIComponent(p[0]) + '=' + encodeURIComponent(p[1]); }).join('&');
  }
  var ask = null;
  function screen(html) {
    clearTimeout(timer);
    clearTimeout(ask);
    main.innerHTML = html;
    settled = Date.now() + SETTLE;
  }
  function reset() {
    screen(start);
    faces = main.querySelector('form.faces');
    faces.querySelector('input[name=id]').value = uuid();
    bind();
  }
  function thanks() {
    screen(thanksT.innerHTML);
    timer = setTimeout(reset, 3000);
  }
  // A low face is queued at once; its reasons follow with the same id (the server adds them
  // to the stored face once). Idle on the reasons: what was ticked is sent, the faces return.
  function reasons(id, score) {
    queue(encode([['id', id], ['score', score]]));
    screen(reasonsT.innerHTML);
    var form = main.querySelector('form');
    function chosen() {
      var pairs = [];
      Array.prototype.forEach.call(form.querySelectorAll('input[name=reason]:checked'), function (c) { pairs.push(['reason', c.value]); });
      var text = form.querySelector('textarea').value.trim();
      if (text) pairs.push(['comment', text]);
      if (pairs.length) queue(encode([['id', id], ['score', score]].concat(pairs)));
    }
    // At two thirds of the idle time untouched (20 s of 30) the screen asks "more time?" with
    // one large button; untouched still, what was ticked is sent and the faces return.
    var more = main.querySelector('#more');
    function later() {
      clearTimeout(timer);
      clearTimeout(ask);
      if (more) more.hidden = true;
      if (more) ask = setTimeout(function () { more.hidden = false; more.querySelector('#more-yes').focus(); }, Math.round(idle * 2 / 3));
      timer = setTimeout(function () { clearTimeout(ask); chosen(); reset(); }, idle);
    }
    later();
    form.addEventListener('input', later);
    if (more) more.querySelector('#more-yes').addEventListener('click', later);
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      if (Date.now() < settled) return;
      chosen();
      thanks();
    });
  }
  function bind() {
    faces.addEventListener('submit', function (e) {
      e.preventDefault();
      if (Date.now() < settled) return;
      var button = e.submitter || document.activeElement;
      var score = button && button.value;
      if (!score) return;
      var id = faces.querySelector('input[name=id]').value;
      if (parseInt(score, 10) <= 3) { reasons(id, score); return; }
      queue(encode([['id', id], ['score', score]]));
      thanks();
    });
  }
  // A tap that lands just after the screen changed does nothing (a chip is not ticked).
  main.addEventListener('click', function (e) {
    if (Date.now() < settled) { e.preventDefault(); e.stopPropagation(); }
  }, true);
  // The page may come from the service worker's copy: its rating id is never reused.
  faces.querySelector('input[name=id]').value = uuid();
  bind();
  window.addEventListener('online', flush);
  setInterval(flush, 15000);
  flush();
})();
