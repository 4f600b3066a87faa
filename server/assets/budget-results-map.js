// The map of a budget edition's projects on its public results page
// (`/budget/editions/{id}`, server/src/budget/page.rs). Leaflet is
// vendored (`/admin/assets/vendor/leaflet`), the data are inert JSON
// blocks (`#budget-map-data`: the projects; `#gmina-data`: the gmina's
// boundary and localities), so no inline script is needed under the CSP.
// A selected project is a filled circle (an area: a filled polygon), one
// not selected a hollow dashed one: the map does not speak by colour
// alone. Every text goes in with textContent. The map's section is
// hidden in the HTML and shown here: without JavaScript or Leaflet there
// is no empty box, and the tables below say the same.
(function () {
  var OSM = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap contributors</a>';
  var el = document.getElementById('budget-map');
  var section = document.getElementById('map-section');
  if (!el || !section || typeof L === 'undefined') return;
  section.hidden = false;

  function json(id, fallback) {
    var node = document.getElementById(id);
    if (!node) return fallback;
    try { return JSON.parse(node.textContent || 'null') || fallback; } catch (e) { return fallback; }
  }
  var say = function (name) { return el.getAttribute('data-' + name) || ''; };
  // Leaflet puts a string into innerHTML: texts go in as elements.
  function text(s) { var span = document.createElement('span'); span.textContent = s; return span; }

  var gmina = json('gmina-data', {});
  var projects = json('budget-map-data', []);
  var map = L.map(el, { keyboard: true, zoomSnap: 0.25, scrollWheelZoom: false })
    .setView(gmina.center || [51.035, 17.14], 12);

  // Tiles when a template is set; after a few failures with none loaded,
  // the layer goes and a note says the background is unavailable.
  var template = el.getAttribute('data-tiles');
  if (template) {
    var tiles = L.tileLayer(template, { maxZoom: 19, attribution: OSM });
    var loaded = 0, failed = 0;
    tiles.on('tileload', function () { loaded++; });
    tiles.on('tileerror', function () {
      failed++;
      if (loaded === 0 && failed >= 3 && map.hasLayer(tiles)) {
        map.removeLayer(tiles);
        el.classList.add('no-tiles');
        var note = L.control({ position: 'bottomleft' });
        note.onAdd = function () {
          var d = L.DomUtil.create('div', 'map-note');
          d.setAttribute('role', 'status');
          d.textContent = say('no-tiles');
          return d;
        };
        note.addTo(map);
        el.setAttribute('data-tiles-failed', 'true');
      }
    });
    tiles.addTo(map);
  } else {
    el.classList.add('no-tiles');
  }

  var boundary = null;
  (gmina.boundary || []).forEach(function (ring) {
    var line = L.polygon(ring.map(function (p) { return [p[1], p[0]]; }),
      { color: '#1f3a5f', weight: 2, dashArray: '6 4', fillOpacity: 0.03, interactive: false }).addTo(map);
    boundary = boundary || line;
  });
  (gmina.localities || []).forEach(function (l) {
    L.circleMarker([l.lat, l.lon], { radius: 3, color: '#3c4a59', weight: 1, fillOpacity: 0.8, interactive: false })
      .bindTooltip(text(l.name), { permanent: true, direction: 'right', className: 'locality', offset: [4, 0] })
      .addTo(map);
  });

  // A project's popup: number, title, pool, outcome, votes, cost, and a
  // link to its row in the table.
  function popup(p) {
    var box = document.createElement('div');
    var head = document.createElement('strong');
    head.textContent = (p.number != null ? say('number') + ' ' + p.number + ': ' : '') + p.title;
    box.appendChild(head);
    var facts = document.createElement('div');
    facts.textContent = p.pool + ' · ' + (p.selected ? '✓ ' + say('selected') : say('not-selected')) +
      ' · ' + say('votes') + ': ' + p.votes + ' · ' + p.cost;
    box.appendChild(facts);
    var a = document.createElement('a');
    a.href = '#project-' + p.id;
    a.textContent = '→ ' + p.title;
    box.appendChild(a);
    return box;
  }

  function style(selected) {
    return selected
      ? { color: '#1b6b2a', weight: 2, fillColor: '#1b6b2a', fillOpacity: 0.85 }
      : { color: '#5a6b7d', weight: 2, dashArray: '4 3', fillColor: '#ffffff', fillOpacity: 0.2 };
  }

  var bounds = [];
  var drawn = 0;
  projects.forEach(function (p) {
    var layer;
    if (p.point) {
      layer = L.circleMarker(p.point, Object.assign({ radius: 9 }, style(p.selected)));
      bounds.push(p.point);
    } else if (p.area) {
      var rings = p.area.map(function (ring) { return ring.map(function (q) { return [q[1], q[0]]; }); });
      layer = L.polygon(rings, style(p.selected));
      rings.forEach(function (r) { r.forEach(function (q) { bounds.push(q); }); });
    } else {
      return;
    }
    layer.bindPopup(popup(p));
    layer.bindTooltip(text((p.number != null ? say('number') + ' ' + p.number + ': ' : '') + p.title + ' (' +
      (p.selected ? say('selected') : say('not-selected')) + ')'));
    layer.addTo(map);
    var path = layer.getElement && layer.getElement();
    if (path) path.setAttribute('data-project', String(p.id));
    if (path) path.setAttribute('data-selected', String(!!p.selected));
    drawn++;
  });
  if (bounds.length) {
    map.fitBounds(bounds, { padding: [30, 30], maxZoom: 16 });
  } else if (boundary) {
    map.fitBounds(boundary.getBounds(), { padding: [10, 10] });
  }
  el.setAttribute('data-ready', String(drawn));
})();
