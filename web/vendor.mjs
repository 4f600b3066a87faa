// Copies Leaflet's dist (from npm, pinned by package-lock.json) into the
// server's asset directory, which mm-server serves at /admin/assets/vendor/.
// Runs as npm's postinstall, so `npm ci` in web/ is all a fresh clone needs.
// No CDN: the back office must work on an intranet.
import { cpSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, 'node_modules', 'leaflet', 'dist');
const dest = join(here, '..', 'server', 'assets', 'vendor', 'leaflet');
if (!existsSync(src)) {
  console.error(`vendor: ${src} is missing; run npm ci in web/`);
  process.exit(1);
}
rmSync(dest, { recursive: true, force: true });
mkdirSync(dest, { recursive: true });
for (const f of ['leaflet.js', 'leaflet.css', 'images']) {
  cpSync(join(src, f), join(dest, f), { recursive: true });
}
console.log(`vendor: Leaflet copied to ${dest}`);
