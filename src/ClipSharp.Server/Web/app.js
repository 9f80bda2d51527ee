"use strict";
// The search page: text queries, image uploads (drop or pick) and "more like this" on a result, all against /v1/search.
(() => {
  const K = 24;
  const $ = (id) => document.getElementById(id);
  const status = $("status"), results = $("results"), drop = $("drop"), file = $("file"), preview = $("preview");
  let generation = 0;

  // With an API key on the server, the page asks for it once and keeps it for this tab only (sessionStorage).
  const KEY = "clipsharp-api-key";

  function authorized(init) {
    const key = sessionStorage.getItem(KEY);
    if (!key) return init || {};
    const headers = new Headers((init && init.headers) || {});
    headers.set("Authorization", "Bearer " + key);
    return Object.assign({}, init, { headers });
  }

  async function api(url, init) {
    let response = await fetch(url, authorized(init));
    if (response.status === 401) {
      const key = window.prompt("This server needs its API key:");
      if (key && key.trim()) {
        sessionStorage.setItem(KEY, key.trim());
        response = await fetch(url, authorized(init));
      }
    }
    return response;
  }

  // An <img> cannot send the key, so with one the thumbnail is fetched and shown from a blob URL.
  function thumbnail(img, url) {
    if (!sessionStorage.getItem(KEY)) {
      img.src = url;
      return;
    }
    fetch(url, authorized())
      .then((r) => (r.ok ? r.blob() : Promise.reject(new Error(r.statusText))))
      .then((blob) => {
        img.addEventListener("load", () => URL.revokeObjectURL(img.src), { once: true });
        img.src = URL.createObjectURL(blob);
      })
      .catch(() => {});
  }

  // After a text search, hovering or focusing a result shows where the query matches in it: the overlay picture
  // POST /v1/locate draws, fetched once per (id, query) and kept as a blob URL. A short wait first, so that a
  // pointer sweeping across the grid does not queue a model call for every result it passes.
  const overlays = new Map();
  const HOVER_MS = 150;
  const THUMBNAIL = 320;

  function overlay(id, query) {
    const key = id + "\n" + query;
    if (!overlays.has(key)) {
      // Located in a copy the thumbnail's size: the model sees its own small input anyway, and the picture stays small.
      const body = JSON.stringify({ id, prompts: [query], size: THUMBNAIL });
      const init = { method: "POST", headers: { "Content-Type": "application/json" }, body };
      overlays.set(key, api("/v1/locate?format=png", init)
        .then((r) => (r.ok ? r.blob() : Promise.reject(new Error(r.statusText))))
        .then((blob) => URL.createObjectURL(blob))
        .catch((e) => { overlays.delete(key); throw e; }));
    }
    return overlays.get(key);
  }

  function where(button, hit, query) {
    let layer = null, timer = 0, hovered = false, focused = false;
    const update = () => {
      clearTimeout(timer);
      if (!hovered && !focused) {
        if (layer) layer.hidden = true;
        return;
      }
      timer = setTimeout(() => overlay(hit.id, query).then((url) => {
        if (!hovered && !focused) return;
        if (!layer) {
          // Decorative: the button already says what the result is; the picture only shows where.
          layer = document.createElement("img");
          layer.className = "where";
          layer.alt = "";
          button.append(layer);
        }
        layer.src = url;
        layer.hidden = false;
      }).catch(() => {}), HOVER_MS);
    };
    button.addEventListener("mouseenter", () => { hovered = true; update(); });
    button.addEventListener("mouseleave", () => { hovered = false; update(); });
    button.addEventListener("focus", () => { focused = true; update(); });
    button.addEventListener("blur", () => { focused = false; update(); });
  }

  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle("error", !!isError);
  }

  async function run(label, request) {
    const mine = ++generation;
    say("Searching…");
    try {
      const response = await request();
      const body = await response.json();
      if (mine !== generation) return;
      if (!response.ok) throw new Error(body.detail || response.statusText);
      show(body, label);
    } catch (e) {
      if (mine === generation) say("Search failed: " + e.message, true);
    }
  }

  function show(body, label) {
    results.replaceChildren(...body.results.map((hit) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "hit";
      button.dataset.id = hit.id;
      button.dataset.score = hit.score;
      button.title = "Find images similar to " + hit.name;
      const caption = document.createElement("span");
      caption.className = "caption";
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = hit.name;
      const score = document.createElement("span");
      score.className = "score";
      score.textContent = hit.score.toFixed(3);
      caption.append(name, score);
      if (hit.thumbnail_url) {
        const img = document.createElement("img");
        thumbnail(img, hit.thumbnail_url + "?size=" + THUMBNAIL);
        img.alt = hit.name;
        img.loading = "lazy";
        button.append(img);
      }
      button.append(caption);
      if (hit.thumbnail_url && body.kind === "text") where(button, hit, body.query);
      button.addEventListener("click", () => similar(hit));
      item.append(button);
      return item;
    }));
    const hint = body.kind === "text" && body.results.some((h) => h.thumbnail_url) ? " Hover or focus a result to see where it matches." : "";
    say(body.results.length + " results for " + label + "." + hint);
  }

  function similar(hit) {
    run("images similar to " + hit.name, () => api("/v1/search?like=" + encodeURIComponent(hit.id) + "&k=" + K));
  }

  function upload(picked) {
    if (!picked) return;
    if (picked.type && !picked.type.startsWith("image/")) {
      say(picked.name + " is not an image.", true);
      return;
    }
    if (preview.src) URL.revokeObjectURL(preview.src);
    preview.src = URL.createObjectURL(picked);
    preview.alt = "Query image " + picked.name;
    preview.hidden = false;
    const form = new FormData();
    form.append("image", picked, picked.name);
    form.append("k", String(K));
    run("the image " + picked.name, () => api("/v1/search", { method: "POST", body: form }));
  }

  $("text-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const q = $("q").value.trim();
    if (q) run("“" + q + "”", () => api("/v1/search?q=" + encodeURIComponent(q) + "&k=" + K));
  });
  file.addEventListener("change", () => { upload(file.files[0]); file.value = ""; });
  drop.addEventListener("click", (e) => { if (e.target.tagName !== "LABEL" && e.target !== file) file.click(); });
  drop.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); file.click(); } });
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    upload(e.dataTransfer.files[0]);
  });

  fetch("/healthz").then((r) => r.json()).then((h) => {
    $("about").textContent = h.index
      ? "Model " + h.model + " · " + h.index.entries + " indexed " + (h.index.kind === "image" ? "images" : "captions")
      : "Model " + h.model + " · no index loaded: start the server with --index to search";
  }).catch(() => {});
})();
