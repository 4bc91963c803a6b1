import type { PageName, WebAssets } from './build.ts';

/**
 * The HTML of each page: a shell that loads its bundle. Everything the page shows comes from
 * `/config.json` and the broker; no credential, no inline script, nothing from another host.
 */
const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

export function pageHtml(assets: WebAssets, page: PageName, title: string): string {
  const { script, style } = assets.pages[page];
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, user-scalable=no">
<meta name="color-scheme" content="dark">
<title>${esc(title)}</title>
${style ? `<link rel="stylesheet" href="${esc(style)}">` : ''}
<script type="module" src="${esc(script)}"></script>
</head>
<body class="page-${page}">
<noscript>Gatepost needs JavaScript.</noscript>
</body>
</html>
`;
}

/** The start page: a link to each lane's kiosk and to the yard map. */
export function indexHtml(siteName: string, lanes: readonly { id: string; name: string }[]): string {
  const items = lanes
    .map(
      (l) =>
        `<li><a href="/kiosk/${encodeURIComponent(l.id)}">${esc(l.name)} <small>(${esc(l.id)})</small></a></li>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="dark"><title>Gatepost — ${esc(siteName)}</title></head>
<body>
<h1>Gatepost — ${esc(siteName)}</h1>
<h2>车道终端 Lane kiosks</h2>
<ul>
${items}
</ul>
<h2><a href="/yard">堆场地图 Yard map</a></h2>
</body>
</html>
`;
}
