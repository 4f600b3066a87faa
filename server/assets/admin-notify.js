// The compose form of /admin/notifications/new (no inline script, as the
// CSP demands). Everything here is a convenience: the form works without
// it and the server checks every field again.
// - The byte counter: push services limit payloads in bytes, and a Polish
//   letter is two bytes in UTF-8, so characters would mislead. The count is
//   of the title and text as JSON escapes them (what `payload_bytes` on the
//   server measures); the server is the judge.
// - The circle: a click on the map (Leaflet, vendored) sets the centre
//   fields; the radius field sizes the drawn circle; typed numbers move it.
// - The link picker: only the chosen kind's select or address is shown.
(function () {
  var form = document.getElementById('notification-form');
  if (!form) return;

  // --- the byte counter
  var count = document.getElementById('n-count');
  var title = document.getElementById('n-title');
  var body = document.getElementById('n-body');
  var enc = typeof TextEncoder !== 'undefined' ? new TextEncoder() : null;
  function bytes(s) {
    var json = JSON.stringify(s.trim()).slice(1, -1);
    return enc ? enc.encode(json).length : unescape(encodeURIComponent(json)).length;
  }
  function recount() {
    if (!count) return;
    var budget = parseInt(count.getAttribute('data-budget'), 10) || 0;
    var used = bytes(title.value) + bytes(body.value);
    var text = (count.getAttribute('data-template') || '').replace('{used}', used).replace('{budget}', budget);
    if (used > budget) text += ' ' + (count.getAttribute('data-over') || '');
    count.textContent = text;
    count.classList.toggle('over', used > budget);
    count.setAttribute('data-used', String(used));
  }
  if (title && body) {
    title.addEventListener('input', recount);
    body.addEventListener('input', recount);
    recount();
  }

  // --- the link picker
  function showLink() {
    var chosen = form.querySelector('input[name="link_kind"]:checked');
    var kind = chosen ? chosen.value : 'none';
    form.querySelectorAll('[data-kind]').forEach(function (el) {
      var on = el.getAttribute('data-kind') === kind;
      el.hidden = !on;
      var label = form.querySelector('label[for="' + el.id + '"]');
      if (label) label.hidden = !on;
    });
  }
  form.querySelectorAll('input[name="link_kind"]').forEach(function (r) { r.addEventListener('change', showLink); });
  showLink();

  // --- the send time
  function showWhen() {
    var at = form.querySelector('input[name="when"][value="at"]');
    var input = document.getElementById('n-send-at');
    var label = form.querySelector('label[for="n-send-at"]');
    if (!at || !input) return;
    input.hidden = !at.checked;
    if (label) label.hidden = !at.checked;
  }
  form.querySelectorAll('input[name="when"]').forEach(function (r) { r.addEventListener('change', showWhen); });
  showWhen();

  // --- the map
  var el = document.getElementById('area-map');
  if (!el) return;
  if (typeof L === 'undefined') { el.hidden = true; return; }
  var gmina = {};
  try { gmina = JSON.parse((document.getElementById('gmina-data') || {}).textContent || '{}') || {}; } catch (e) { gmina = {}; }
  var lat = document.getElementById('n-lat');
  var lon = document.getElementById('n-lon');
  var radius = document.getElementById('n-radius');
  var clear = document.getElementById('n-circle-clear');
  var map = L.map(el, { keyboard: true, zoomSnap: 0.25 }).setView(gmina.center || [51.035, 17.14], 12);
  var template = el.getAttribute('data-tiles');
  if (template) {
    L.tileLayer(template, { maxZoom: 19, attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap contributors</a>' }).addTo(map);
  } else {
    el.classList.add('no-tiles');
  }
  var bounds = null;
  (gmina.boundary || []).forEach(function (ring) {
    var poly = L.polygon(ring.map(function (p) { return [p[1], p[0]]; }), { color: '#1f3a5f', weight: 2, dashArray: '6 4', fillOpacity: 0.04, interactive: false }).addTo(map);
    bounds = bounds ? bounds.extend(poly.getBounds()) : poly.getBounds();
  });
  (gmina.localities || []).forEach(function (l) {
    L.circleMarker([l.lat, l.lon], { radius: 3, color: '#3c4a59', weight: 1, fillOpacity: 0.8, interactive: false })
      .bindTooltip(l.name, { permanent: true, direction: 'right', className: 'locality', offset: [4, 0] }).addTo(map);
  });
  if (bounds) map.fitBounds(bounds, { padding: [10, 10] });

  var circle = null;
  function num(s) { var x = parseFloat(String(s).replace(',', '.')); return isFinite(x) ? x : null; }
  function draw() {
    var a = num(lat.value), b = num(lon.value), r = num(radius.value);
    if (circle) { map.removeLayer(circle); circle = null; }
    if (a === null || b === null || r === null) { if (clear) clear.hidden = true; return; }
    circle = L.circle([a, b], { radius: r, color: '#b00020', weight: 2, fillOpacity: 0.15 }).addTo(map);
    if (clear) clear.hidden = false;
    el.setAttribute('data-circle', a.toFixed(5) + ',' + b.toFixed(5) + ',' + r);
  }
  map.on('click', function (e) {
    lat.value = e.latlng.lat.toFixed(6);
    lon.value = e.latlng.lng.toFixed(6);
    if (!radius.value) radius.value = '1000';
    draw();
  });
  [lat, lon, radius].forEach(function (i) { i.addEventListener('input', draw); });
  if (clear) {
    clear.addEventListener('click', function () {
      lat.value = lon.value = radius.value = '';
      draw();
      el.removeAttribute('data-circle');
    });
  }
  draw();
  el.setAttribute('data-ready', '1');
})();
