// Hailong's rating tablet, with JavaScript: the whole tap → reasons → thank-you → faces loop
// runs on the tablet, and every rating (with its UUID) waits in a queue kept in localStorage
// until the server has it; the server stores each id once, so a retry never counts twice.
// Without this script the screen works as plain forms (see kiosk.html).
(function () {
  var KEY = 'hailong-kiosk-queue';
  var faces = document.querySelector('form.faces');
  var reasonsT = document.getElementById('reasons-t');
  var thanksT = document.getElementById('thanks-t');
  if (!faces || !reasonsT || !thanksT || !window.fetch) return;
  var main = faces.parentNode;
  var start = main.innerHTML;
  var idle = (parseInt(document.body.getAttribute('data-idle'), 10) || 30) * 1000;
  var timer = null;

  function load() { try { return JSON.parse(localStorage.getItem(KEY) || '[]'); } catch (e) { return []; } }
  function save(q) { try { localStorage.setItem(KEY, JSON.stringify(q)); } catch (e) { } }
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
    if (sending || !q.length) return;
    sending = true;
    var item = q[0];
    fetch('/kiosk/rate', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Accept': 'application/json' },
      body: item,
      credentials: 'same-origin'
    }).then(function (r) {
      sending = false;
      // Stored (201), or refused for good (4xx but 429): either way it leaves the queue.
      if (r.status === 201 || (r.status >= 400 && r.status < 500 && r.status !== 429)) {
        save(load().filter(function (x) { return x !== item; }));
        if (r.status === 403) location.reload();
        flush();
      }
    }, function () { sending = false; });
  }
  function queue(body) { var q = load(); q.push(body); save(q); flush(); }
  function encode(pairs) {
    return pairs.map(function (p) { return encodeURIComponent(p[0]) + '=' + encodeURIComponent(p[1]); }).join('&');
  }
  function reset() {
    clearTimeout(timer);
    main.innerHTML = start;
    faces = main.querySelector('form.faces');
    faces.querySelector('input[name=id]').value = uuid();
    bind();
  }
  function thanks() {
    clearTimeout(timer);
    main.innerHTML = thanksT.innerHTML;
    timer = setTimeout(reset, 3000);
  }
  // A low face is queued at once; its reasons follow with the same id (the server adds them
  // to the stored face once). Idle on the reasons: the face alone stays, the faces return.
  function reasons(id, score) {
    queue(encode([['id', id], ['score', score]]));
    main.innerHTML = reasonsT.innerHTML;
    var form = main.querySelector('form');
    function later() { clearTimeout(timer); timer = setTimeout(reset, idle); }
    later();
    form.addEventListener('input', later);
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var pairs = [];
      Array.prototype.forEach.call(form.querySelectorAll('input[name=reason]:checked'), function (c) { pairs.push(['reason', c.value]); });
      var text = form.querySelector('textarea').value.trim();
      if (text) pairs.push(['comment', text]);
      if (pairs.length) queue(encode([['id', id], ['score', score]].concat(pairs)));
      thanks();
    });
  }
  function bind() {
    faces.addEventListener('submit', function (e) {
      e.preventDefault();
      var button = e.submitter || document.activeElement;
      var score = button && button.value;
      if (!score) return;
      var id = faces.querySelector('input[name=id]').value;
      if (parseInt(score, 10) <= 3) { reasons(id, score); return; }
      queue(encode([['id', id], ['score', score]]));
      thanks();
    });
  }
  bind();
  window.addEventListener('online', flush);
  setInterval(flush, 15000);
  flush();
})();
