/**
 * The console's one stylesheet, served at /console/style.css (the Content-Security-Policy allows styles
 * from this origin only, no inline ones). Plain CSS, no framework: tables become stacked cards on narrow
 * screens so the pages read on a phone.
 */
export const STYLESHEET = `
:root {
  --bg: #f6f7f9; --panel: #fff; --ink: #1d2330; --muted: #5b6475; --line: #dde1e8; --accent: #2456c9;
  --critical: #8f1d2c; --high: #c2410c; --medium: #a16207; --low: #2563eb; --info: #64748b;
  --ok: #15803d; --bad: #b91c1c; --warn: #a16207;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 15px; line-height: 1.45;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); }
a { color: var(--accent); }
header.top { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.25rem; padding: .6rem 1.25rem;
  background: #162033; color: #fff; }
header.top a { color: #fff; text-decoration: none; }
header.top .brand { font-weight: 700; letter-spacing: .02em; }
header.top nav { display: flex; gap: 1rem; flex: 1; }
header.top nav a { opacity: .8; padding: .2rem 0; border-bottom: 2px solid transparent; }
header.top nav a.current { opacity: 1; border-bottom-color: #7aa2ff; }
header.top .who { opacity: .75; font-size: .9em; }
header.top form { margin: 0; }
header.top button { background: transparent; color: #fff; border: 1px solid #ffffff66; }
main { max-width: 1200px; margin: 0 auto; padding: 1rem 1.25rem 3rem; }
h1 { font-size: 1.45rem; margin: .4rem 0 .8rem; overflow-wrap: anywhere; }
h2 { font-size: 1.1rem; margin: 1.6rem 0 .6rem; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 1rem; margin: 0 0 1rem; }
.panel > h2:first-child, .panel > h3:first-child { margin-top: 0; }
.muted { color: var(--muted); }
.small { font-size: .87em; }
button, .button { font: inherit; padding: .45rem .9rem; border-radius: 6px; border: 1px solid var(--accent);
  background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
button.secondary, .button.secondary { background: #fff; color: var(--accent); }
input, select, textarea { font: inherit; padding: .4rem .5rem; border: 1px solid #b9c0cc; border-radius: 6px;
  background: #fff; color: var(--ink); max-width: 100%; }
textarea { width: 100%; min-height: 4.5rem; }
label { display: block; font-size: .85em; color: var(--muted); margin-bottom: .2rem; }
form.filters { display: flex; flex-wrap: wrap; gap: .75rem; align-items: flex-end; }
form.filters > div { min-width: 9rem; }
form.filters select, form.filters input { width: 100%; }
table { width: 100%; border-collapse: collapse; background: var(--panel); }
th, td { text-align: left; padding: .5rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .8em; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); background: #fafbfc; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td .sub { display: block; color: var(--muted); font-size: .85em; overflow-wrap: anywhere; }
td a.title { font-weight: 600; overflow-wrap: anywhere; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .8em; font-weight: 600;
  color: #fff; white-space: nowrap; }
.sev-CRITICAL { background: var(--critical); } .sev-HIGH { background: var(--high); }
.sev-MEDIUM { background: var(--medium); } .sev-LOW { background: var(--low); } .sev-INFO { background: var(--info); }
.status { display: inline-block; padding: .05rem .45rem; border-radius: 4px; font-size: .8em; font-weight: 600;
  border: 1px solid currentColor; white-space: nowrap; }
.st-OPEN { color: var(--bad); } .st-TRIAGED { color: var(--warn); } .st-RESOLVED, .st-CLOSED { color: var(--ok); }
.st-DELIVERED { color: var(--ok); } .st-FAILED { color: var(--bad); } .st-PENDING, .st-RETRYING { color: var(--warn); }
.st-PASS { color: var(--ok); } .st-FAIL { color: var(--bad); } .st-ON { color: var(--ok); } .st-OFF { color: var(--muted); }
.chips { display: flex; flex-wrap: wrap; gap: .25rem; }
.chip { font-size: .8em; padding: .05rem .4rem; border-radius: 4px; background: #eef1f6; white-space: nowrap; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
pre { background: #0f172a; color: #e2e8f0; padding: .8rem; border-radius: 6px; overflow: auto; font-size: .85em;
  line-height: 1.4; max-height: 32rem; white-space: pre; }
pre.wrap { white-space: pre-wrap; overflow-wrap: anywhere; background: #f1f4f8; color: var(--ink); }
details summary { cursor: pointer; padding: .3rem 0; }
.notice { padding: .7rem 1rem; border-radius: 6px; margin: 0 0 1rem; border: 1px solid; }
.notice.ok { background: #ecfdf3; border-color: #9ad8b0; color: #14532d; }
.notice.error { background: #fef2f2; border-color: #f3b1b1; color: #7f1d1d; }
.empty { text-align: center; padding: 2.5rem 1rem; color: var(--muted); }
.pager { display: flex; gap: .75rem; justify-content: flex-end; margin: .75rem 0; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
.chart svg { width: 100%; height: auto; display: block; }
.chart .bar { fill: #4f7de6; } .chart .axis { stroke: #b9c0cc; } .chart text { fill: var(--muted); font-size: 8px; }
.chart { max-width: 900px; }
table.rules td a.title, table.rules td .sub { overflow-wrap: normal; }
td.num { white-space: nowrap; }
.signin { max-width: 24rem; margin: 4rem auto; }
.signin input { width: 100%; margin-bottom: .8rem; }
.row { display: flex; flex-wrap: wrap; gap: .75rem; align-items: flex-end; }
@media (max-width: 760px) {
  main { padding: .75rem .75rem 2rem; }
  .grid2 { grid-template-columns: 1fr; }
  table.cards thead { display: none; }
  table.cards, table.cards tbody, table.cards tr, table.cards td { display: block; width: 100%; }
  table.cards tr { border: 1px solid var(--line); border-radius: 8px; margin-bottom: .6rem; background: var(--panel); }
  table.cards td { border: 0; padding: .3rem .7rem; }
  table.cards td.num { text-align: left; }
  table.cards td[data-label]::before { content: attr(data-label); display: block; font-size: .75em;
    color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
  dl.facts { grid-template-columns: 1fr; gap: .1rem; }
  .chart text { font-size: 15px; }
  table.rules td a.title, table.rules td .sub { overflow-wrap: anywhere; }
  dl.facts dd { margin-bottom: .5rem; }
}
`
