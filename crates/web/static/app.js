// Touchstone: the shared page script — the navigation toggle on narrow screens, and a
// confirmation before buttons marked `data-confirm` (submitting a self-inspection…).
// Inspection records kept offline are `offline.js`.
document.addEventListener('DOMContentLoaded', function () {
  var toggle = document.getElementById('nav-toggle');
  var nav = document.getElementById('main-nav');
  if (toggle && nav) {
    toggle.addEventListener('click', function () {
      var open = nav.classList.toggle('open');
      toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
    });
  }
});
document.addEventListener('click', function (ev) {
  var button = ev.target.closest ? ev.target.closest('[data-confirm]') : null;
  if (button && !window.confirm(button.getAttribute('data-confirm'))) {
    ev.preventDefault();
  }
});
