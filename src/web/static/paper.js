// Paper entry (progressive enhancement): after one valid key in an answer box, the focus moves
// to the next box, so a typist keys a whole sheet without Tab. Without this file Tab does it.
(function () {
  'use strict';
  var boxes = Array.prototype.slice.call(document.querySelectorAll('form.entry input.k'));
  boxes.forEach(function (box, i) {
    box.addEventListener('input', function () {
      var ok = new RegExp('^(?:' + box.getAttribute('pattern') + ')$').test(box.value);
      if (!ok) { box.value = ''; return; }
      var next = boxes[i + 1] || document.getElementById('comment') || document.getElementById('written');
      if (next) { next.focus(); if (next.select) next.select(); }
    });
  });
})();

// The print page: its Print button (the page prints without it, by Ctrl+P).
(function () {
  'use strict';
  var b = document.getElementById('print');
  if (b) b.addEventListener('click', function () { window.print(); });
})();
