// Hailong: keeps a survey answer sent while the phone is offline, and sends it when the
// connection returns. Progressive enhancement: without this script the form posts as usual.
(function () {
  var KEY = 'hailong-pending';
  var form = document.querySelector('form[data-offline]');
  function load() { try { return JSON.parse(localStorage.getItem(KEY) || '[]'); } catch (e) { return []; } }
  function save(list) { try { localStorage.setItem(KEY, JSON.stringify(list)); } catch (e) { } }
  function say(text) {
    if (!form || !text) return;
    var box = document.getElementById('offline-status');
    if (!box) {
      box = document.createElement('p');
      box.id = 'offline-status';
      box.className = 'sum';
      box.setAttribute('role', 'status');
      form.parentNode.insertBefore(box, form);
    }
    box.textContent = text;
    box.scrollIntoView();
  }
  function send() {
    var list = load();
    if (!list.length || !navigator.onLine) return;
    var item = list[0];
    fetch(item.action, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: item.body,
      credentials: 'same-origin',
      redirect: 'manual'
    }).then(function (r) {
      // Stored (303), or refused for good (4xx): either way it leaves the queue. The
      // submission_id makes a repeat harmless. A 5xx stays queued for the next try.
      if (r.type === 'opaqueredirect' || (r.status >= 200 && r.status < 500)) {
        save(load().filter(function (x) { return x.id !== item.id; }));
        if (form && r.type === 'opaqueredirect') say(form.getAttribute('data-sent'));
        send();
      }
    }).catch(function () { });
  }
  if (form && window.fetch && window.localStorage) {
    form.addEventListener('submit', function (e) {
      if (navigator.onLine) return;
      e.preventDefault();
      var id = form.elements.submission_id ? form.elements.submission_id.value : String(Date.now());
      var list = load().filter(function (x) { return x.id !== id; });
      list.push({ id: id, action: form.action, body: new URLSearchParams(new FormData(form)).toString() });
      save(list);
      say(form.getAttribute('data-saved'));
    });
  }
  window.addEventListener('online', send);
  send();
})();
