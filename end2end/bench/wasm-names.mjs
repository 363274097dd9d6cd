// What is in the main wasm: the 15 largest items, and the bytes of each crate, read with twiggy
// from a build that keeps its function names (`scripts/bench` makes it: the release build, with
// wasm-opt told to keep the names section). Sizes are raw bytes as shipped, before brotli; the
// names section itself is left out. Not a test: it prints two tables.
//
//   node end2end/bench/wasm-names.mjs DIR   # DIR: the build's pkg directory
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants } from "node:zlib";

const dir = process.argv[2] ?? fail("usage: wasm-names.mjs PKG_DIR");
const main = readdirSync(dir).find((f) => /^leptos-cognito\.[^.]+\.wasm$/.test(f)) ?? fail(`no main wasm in ${dir}`);
const wasm = join(dir, main);

function fail(message) {
  console.error(`wasm-names: ${message}`);
  process.exit(1);
}

// twiggy's CSV: Name,ShallowSize,ShallowSizePercent,RetainedSize,RetainedSizePercent.
const csv = execFileSync("twiggy", ["top", "-n", "100000", "-f", "csv", wasm], {
  encoding: "utf8",
  maxBuffer: 64 * 1024 * 1024,
});
const rows = csv
  .trim()
  .split("\n")
  .slice(1)
  .map((line) => {
    // Names may hold commas and quotes; the three numbers after them never do.
    const m = /^(.*),(\d+),([\d.]+),([\d.]*),([\d.]*)$/.exec(line);
    return m && { name: m[1].replace(/^"(.*)"$/, "$1").replaceAll('""', '"'), bytes: Number(m[2]) };
  })
  .filter((r) => r && !/^custom section|function names/.test(r.name));
const total = rows.reduce((sum, r) => sum + r.bytes, 0);

// A symbol's crate: the first path segment, looking through `<T as Trait>` and `&mut`.
function crateOf(name) {
  if (name.startsWith("data segment")) return "(data: strings, tables)";
  if (/^(import|export|elem|table|type)\b/.test(name)) return "(wasm glue: imports, exports, tables)";
  const outer = /^<(?:&(?:mut )?)?([A-Za-z_][A-Za-z0-9_]*)/.exec(name);
  const first = outer ? outer[1] : /^([A-Za-z_][A-Za-z0-9_]*)/.exec(name)?.[1];
  if (!first || /^[A-Z]$/.test(first) || /^(f32|f64|str|char|u8|usize|bool)$/.test(first)) {
    const impl = / as ([a-z_][a-z0-9_]*)::/.exec(name);
    return impl ? impl[1] : first === "f64" || first === "f32" ? "core" : (first ?? name);
  }
  if (/^[A-Z]/.test(first)) return "leptos_cognito"; // a component's hydration function
  return first;
}

const short = (name) => {
  const clean = name.replace(/\[[0-9a-f]{16}\]/g, "").replace(/::h[0-9a-f]{16}$/, "");
  return clean.length > 110 ? `${clean.slice(0, 107)}…` : clean;
};
const pct = (bytes) => `${((100 * bytes) / total).toFixed(1)} %`;
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

const shipped = readFileSync(wasm);
console.log(`\nWhat is in the main wasm (${main}): ${kb(total)} of code and data, raw.`);
console.log(`(This build keeps its names; the one served is the same code without them.)\n`);
console.log("| # | item | raw bytes | share |");
console.log("|---:|---|---:|---:|");
[...rows]
  .sort((a, b) => b.bytes - a.bytes)
  .slice(0, 15)
  .forEach((r, i) => console.log(`| ${i + 1} | \`${short(r.name).replaceAll("|", "\\|")}\` | ${r.bytes} | ${pct(r.bytes)} |`));

const byCrate = new Map();
for (const r of rows) {
  const c = crateOf(r.name);
  const entry = byCrate.get(c) ?? { bytes: 0, items: 0 };
  entry.bytes += r.bytes;
  entry.items += 1;
  byCrate.set(c, entry);
}
console.log("\n| crate | items | raw | share |");
console.log("|---|---:|---:|---:|");
for (const [c, { bytes, items }] of [...byCrate].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 15)) {
  console.log(`| ${c} | ${items} | ${kb(bytes)} | ${pct(bytes)} |`);
}
const br = brotliCompressSync(shipped, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
console.log(`\n(with its names section this file is ${kb(shipped.length)} raw, ${kb(br)} brotli)`);
