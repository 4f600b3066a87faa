// The report page: the N key opens the next open report (the link marked
// `data-shortcut="n"`), so a dispatcher goes through the queue without
// the mouse. A single-key shortcut must be possible to turn off (WCAG
// 2.1 SC 2.1.4): the button next to the hint does that, remembered in
// this browser. Keys typed into a field are never taken.
(function () {
  var link = document.querySelector('a[data-shortcut="n"]');
  var hint = document.getElementById('shortcut-hint');
  var toggle = document.getElementById('shortcut-toggle');
  if (!link || !hint || !toggle) return;
  var KEY = 'mm.shortcuts';
  function off() {
    try { return window.localStorage.getItem(KEY) === 'off'; } catch (e) { return false; }
  }
  function show() {
    hint.hidden = off();
    toggle.textContent = off() ? toggle.getAttribute('data-on') : toggle.getAttribute('data-off');
    toggle.hidden = false;
  }
  toggle.addEventListener('click', function () {
    try { window.localStorage.setItem(KEY, off() ? 'on' : 'off'); } catch (e) { /* private mode: stays on */ }
    show();
  });
  document.addEventListener('keydown', function (e) {
    if (off() || e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || e.isComposing) return;
    var t = e.target;
    var tag = t && t.tagName;
    if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || (t && t.isContentEditable)) return;
    if (e.key === 'n' || e.key === 'N') {
      e.preventDefault();
      window.location.assign(link.href);
    }
  });
  show();
})();
