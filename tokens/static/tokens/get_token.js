// Ask /token with the session and its CSRF token, then show and decode the JWT.
(function () {
  "use strict";
  const form = document.getElementById("token-form");
  if (!form) return;
  const $ = (id) => document.getElementById(id);
  let timer = null;

  function decodePart(part) {
    const base64 = part.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  }

  function countdown(expiresAt) {
    clearInterval(timer);
    const tick = () => {
      const left = Math.max(0, Math.round((expiresAt - Date.now()) / 1000));
      const minutes = Math.floor(left / 60);
      $("token-countdown").textContent =
        left > 0 ? `${minutes}m ${String(left % 60).padStart(2, "0")}s` : "expired";
      if (left === 0) clearInterval(timer);
    };
    tick();
    timer = setInterval(tick, 1000);
  }

  function show(body) {
    $("token-error").hidden = true;
    $("token-jwt").textContent = body.token;
    const [header, claims] = body.token.split(".").slice(0, 2).map(decodePart);
    $("token-header").textContent = JSON.stringify(header, null, 2);
    $("token-claims").textContent = JSON.stringify(claims, null, 2);
    $("token-expires").textContent = body.expires_at;
    countdown(Date.parse(body.expires_at));
    $("token-result").hidden = false;
  }

  function refuse(message) {
    $("token-result").hidden = true;
    $("token-error").textContent = message;
    $("token-error").hidden = false;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = new URLSearchParams();
    let grants = data.getAll("grants");
    const room = (data.get("room") || "").trim();
    // "listed" video needs a room: without one, video is left out, as the
    // room list's first option says.
    if (form.dataset.video === "listed" && !room) {
      grants = grants.filter((grant) => grant !== "video");
    }
    if (!grants.length) {
      // Sent without grants, /token would give every default grant.
      refuse(room || form.dataset.video !== "listed"
        ? "Choose at least one grant."
        : "Choose a room for video, or another grant.");
      return;
    }
    body.set("grants", grants.join(","));
    for (const name of ["room", "ttl"]) {
      const value = (data.get(name) || "").trim();
      if (value) body.set(name, value);
    }
    try {
      const response = await fetch(form.dataset.url, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "X-CSRFToken": data.get("csrfmiddlewaretoken"),
          "Accept": "application/json",
        },
        body,
      });
      const json = await response.json().catch(() => ({}));
      if (response.ok) show(json);
      else refuse(json.detail || `The server answered ${response.status}.`);
    } catch (error) {
      refuse("The server could not be reached.");
    }
  });

  $("token-copy").addEventListener("click", async () => {
    await navigator.clipboard.writeText($("token-jwt").textContent);
    $("token-copied").hidden = false;
    setTimeout(() => { $("token-copied").hidden = true; }, 2000);
  });
})();
