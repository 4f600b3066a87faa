// The report map: Leaflet (vendored from npm), points from the page's JSON.
// Tiles come from the MM_TILE_URL setting; without them the points still
// show on a plain background, and the table below lists them all.
(function () {
  var el = document.getElementById('map');
  var data = JSON.parse(document.getElementById('map-data').textContent || '[]');
  if (!el || typeof L === 'undefined') { if (el) el.hidden = true; return; }
  var map = L.map(el, { keyboard: true }).setView([51.035, 17.14], 12);
  var tiles = el.getAttribute('data-tiles');
  if (tiles) { L.tileLayer(tiles, { maxZoom: 19, attribution: '&copy; OpenStreetMap' }).addTo(map); }
  var pts = [];
  data.forEach(function (r) {
    var m = L.circleMarker([r.lat, r.lon], { radius: 8, color: r.overdue ? '#b00020' : '#0b5cad', weight: 2, fillOpacity: 0.6 });
    var a = document.createElement('a');
    a.href = '/admin/reports/' + r.id;
    a.textContent = '#' + r.id + ' ' + r.category + ' (' + r.status + ')';
    m.bindPopup(a).addTo(map);
    pts.push([r.lat, r.lon]);
  });
  if (pts.length) { map.fitBounds(pts, { padding: [30, 30], maxZoom: 16 }); }
  el.setAttribute('data-ready', String(pts.length));
})();
