// Plain JS for now (no build step): the window's role comes in the URL hash, e.g. index.html#log.
const pages = {
  settings: ["Settings", "Providers, keys, the outbound proxy and thinking will be edited here."],
  log: ["Log", "The engine's log (mimo2codex.log in the data directory) will be tailed here."],
  diagnose: ["Diagnose network", "Each network hop to the upstream will be checked here, with the fix for each failure."],
};
const page = pages[location.hash.slice(1)];
if (page) {
  document.title = "mimo2codex — " + page[0];
  document.getElementById("title").textContent = page[0];
  document.getElementById("what").textContent = page[1];
}
