// The back office's maps (Leaflet, vendored from npm; no inline script):
// `#map`, every report the filters found, and `#pin-map`, one report's
// place on its page. Both always draw the gmina's boundary and localities
// (`#gmina-data`), so they read without a background; the tiles come from
// the `data-tiles` template (OpenStreetMap's by default, an admin's
// setting otherwise), and when they cannot load the map says so and keeps
// the boundary. Without Leaflet the page's table still lists the reports.
(function () {
  var OSM = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap contributors</a>';

  function json(id, fallback) {
    var el = document.getElementById(id);
    if (!el) return fallback;
    try { return JSON.parse(el.textContent || 'null') || fallback; } catch (e) { return fallback; }
  }

  // The boundary and the localities, under any tiles.
  function drawGmina(map, gmina, labels) {
    var layers = [];
    (gmina.boundary || []).forEach(function (ring) {
      var latlngs = ring.map(function (p) { return [p[1], p[0]]; });
      layers.push(L.polygon(latlngs, { color: '#1f3a5f', weight: 2, dashArray: '6 4', fill: true, fillColor: '#1f3a5f', fillOpacity: 0.04, interactive: false }).addTo(map));
    });
    (gmina.localities || []).forEach(function (l) {
      var m = L.circleMarker([l.lat, l.lon], { radius: 3, color: '#3c4a59', weight: 1, fillOpacity: 0.8, interactive: labels }).addTo(map);
      if (labels) m.bindTooltip(l.name, { permanent: true, direction: 'right', className: 'locality', offset: [4, 0] });
    });
    return layers;
  }

  // Tiles when a template is set; after a few failures with none loaded,
  // the layer goes and a note says the background is unavailable.
  function addTiles(map, el) {
    var template = el.getAttribute('data-tiles');
    if (!template) { el.classList.add('no-tiles'); return; }
    var layer = L.tileLayer(template, { maxZoom: 19, attribution: OSM });
    var loaded = 0, failed = 0;
    layer.on('tileload', function () { loaded++; });
    layer.on('tileerror', function () {
      failed++;
      if (loaded === 0 && failed >= 3 && map.hasLayer(layer)) {
        map.removeLayer(layer);
        el.classList.add('no-tiles');
        var note = L.control({ position: 'bottomleft' });
        note.onAdd = function () {
          var d = L.DomUtil.create('div', 'map-note');
          d.setAttribute('role', 'status');
          d.textContent = el.getAttribute('data-no-tiles') || '';
          return d;
        };
        note.addTo(map);
        el.setAttribute('data-tiles-failed', 'true');
      }
    });
    layer.addTo(map);
  }

  if (typeof L === 'undefined') {
    ['map', 'pin-map'].forEach(function (id) { var el = document.getElementById(id); if (el) el.hidden = true; });
    return;
  }
  var gmina = json('gmina-data', {});
  var centre = gmina.center || [51.035, 17.14];

  var el = document.getElementById('map');
  if (el) {
    // [id, lat, lon, status, category, overdue]; the two labels by index.
    var data = json('map-data', {});
    var statuses = data.statuses || [], categories = data.categories || [];
    var map = L.map(el, { keyboard: true, zoomSnap: 0.25 }).setView(centre, 12);
    addTiles(map, el);
    var boundary = drawGmina(map, gmina, true);
    var pts = [];
    // One canvas for every marker: 2,000 SVG circles would each be a node.
    var canvas = L.canvas({ padding: 0.5 });
    (data.points || []).forEach(function (p) {
      var id = p[0], at = [p[1], p[2]];
      var m = L.circleMarker(at, { renderer: canvas, radius: 8, color: p[5] ? '#b00020' : '#0b5cad', weight: 2, fillOpacity: 0.6 });
      // The popup is built when opened, not 2,000 times at load.
      m.bindPopup(function () {
        var a = document.createElement('a');
        a.href = '/admin/reports/' + id;
        a.textContent = '#' + id + ' ' + (categories[p[4]] || '') + ' (' + (statuses[p[3]] || '') + ')';
        return a;
      }).addTo(map);
      pts.push(at);
    });
    // Many reports: the whole gmina with them; a few: just them. Placed at
    // once: a zoom animating at load only delays the map.
    if (pts.length > 20 && boundary.length) {
      map.fitBounds(boundary[0].getBounds().extend(L.latLngBounds(pts)), { padding: [10, 10], animate: false });
    } else if (pts.length) {
      map.fitBounds(pts, { padding: [30, 30], maxZoom: 16, animate: false });
    } else if (boundary.length) {
      map.fitBounds(boundary[0].getBounds(), { padding: [10, 10], animate: false });
    }
    el.setAttribute('data-ready', String(pts.length));
  }

  var pin = document.getElementById('pin-map');
  if (pin) {
    var at = [parseFloat(pin.getAttribute('data-lat')), parseFloat(pin.getAttribute('data-lon'))];
    var small = L.map(pin, { keyboard: true, scrollWheelZoom: false }).setView(at, 15);
    addTiles(small, pin);
    drawGmina(small, gmina, false);
    L.circleMarker(at, { radius: 9, color: '#b00020', weight: 3, fillOpacity: 0.5 }).addTo(small);
    pin.setAttribute('data-ready', '1');
  }
})();
