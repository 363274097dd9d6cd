// The protected page's two clocks — when the access token expires, when the server last
// refreshed the session — ticking in the browser. The page is rendered by the server
// (src/pages/protected.rs, no wasm): each clock is an element with `data-clock`, the seconds
// from then to the moment the page was made (negative: in the past), and the texts to say it in
// (`data-in`, `data-ago`, with `{}` for the number), in the page's language. Without this script
// the page shows the same texts, as they were when it was made.
const started = Date.now();
const clocks = [...document.querySelectorAll("[data-clock]")];
function tick() {
  const elapsed = Math.floor((Date.now() - started) / 1000);
  for (const clock of clocks) {
    const left = Number(clock.dataset.clock) - elapsed;
    const text = left > 0 && clock.dataset.in ? clock.dataset.in.replace("{}", left) : clock.dataset.ago.replace("{}", -left);
    if (clock.textContent !== text) clock.textContent = text;
  }
}
if (clocks.length) setInterval(tick, 1000);
