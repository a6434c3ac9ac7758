// The inbox's live side. The hub only rings ("changed"); the page then reads the change feed from its
// cursor (/w/{slug}/inbox/changes?after=…) and puts each changed message in place by its element id,
// or refreshes the list. A lost connection catches up from the same cursor when it comes back, so
// nothing is missed, and applying a change twice leaves the page as it was, so nothing is doubled.
(() => {
  "use strict";
  const root = document.querySelector("[data-live]");
  if (!root || !window.signalR) return;
  const base = root.dataset.live;
  const conversation = root.dataset.conversation || null;
  const liveState = root.querySelector("[data-live-state]");
  let cursor = root.dataset.cursor;
  let running = null;
  let again = false;

  function catchUp() {
    if (running) { again = true; return running; }
    running = (async () => {
      do {
        again = false;
        const response = await fetch(`${base}/changes?after=${encodeURIComponent(cursor)}`, { headers: { Accept: "application/json" } });
        if (!response.ok) throw new Error(`changes: ${response.status}`);
        const batch = await response.json();
        if (batch.truncated) { location.reload(); return; }
        await apply(batch.changes);
        cursor = batch.cursor;
        root.dataset.cursor = cursor;
      } while (again);
    })().catch(() => { again = false; }).finally(() => { running = null; });
    return running;
  }

  // Reloads a part of the page from its data-refresh address: one request at a time, at most one every `spacing` ms,
  // and a change that comes while one is under way gets a reload after it (never dropped).
  const parts = new Map();
  function refresh(id, spacing) {
    const part = parts.get(id) ?? { busy: false, again: false };
    parts.set(id, part);
    if (part.busy) { part.again = true; return; }
    part.busy = true;
    (async () => {
      do {
        part.again = false;
        const element = document.getElementById(id);
        if (!element) break;
        await htmx.ajax("GET", element.dataset.refresh, { target: element, swap: "outerHTML" });
        if (spacing > 0) await new Promise(resolve => setTimeout(resolve, spacing));
      } while (part.again);
    })().catch(() => {}).finally(() => { part.busy = false; });
  }

  async function apply(changes) {
    if (changes.length === 0) return;
    if (!conversation) {
      refresh("conversation-list", 100);
      return;
    }
    if (changes.some(c => c.conversationId !== conversation)) refresh("mention-alert", 1000); // maybe a mention
    const here = changes.filter(c => c.conversationId === conversation);
    if (here.some(c => !c.messageId)) refresh("conversation-state", 0);
    const ids = [...new Set(here.filter(c => c.messageId).map(c => c.messageId))];
    if (ids.length > 0) await upsert(ids);
  }

  async function upsert(ids) {
    const response = await fetch(`${base}/${conversation}?handler=messages&ids=${ids.join(",")}`);
    if (!response.ok) throw new Error(`messages: ${response.status}`);
    const template = document.createElement("template");
    template.innerHTML = await response.text();
    const list = document.getElementById("messages");
    const history = list.closest(".history");
    const atBottom = history.scrollHeight - history.scrollTop - history.clientHeight < 80;
    for (const item of [...template.content.querySelectorAll("li.message")]) {
      const existing = document.getElementById(item.id);
      if (existing) existing.replaceWith(item);
      else list.append(item);
      htmx.process(item);
    }
    if (atBottom) history.scrollTop = history.scrollHeight;
  }

  // Presence: who else looks at or types in this conversation.
  const presence = new Map();
  const presenceLine = root.querySelector("[data-presence]");
  function showPresence() {
    if (!presenceLine) return;
    const now = Date.now();
    const words = [];
    for (const [id, p] of presence) {
      if (now - p.at > 40000) { presence.delete(id); continue; }
      const typing = p.activity === "typing" && now - p.at < 6000;
      words.push((typing ? presenceLine.dataset.typing : presenceLine.dataset.viewing).replace("{0}", p.name));
    }
    presenceLine.textContent = words.join(" · ");
  }

  const connection = new signalR.HubConnectionBuilder()
    .withUrl(`${base}/live`)
    .withAutomaticReconnect([0, 1000, 2000, 5000, 10000, 10000, 30000])
    .build();
  connection.on("changed", () => catchUp());
  connection.on("presence", p => {
    if (p.conversationId !== conversation) return;
    if (p.activity === "left") presence.delete(p.userId);
    else {
      const known = presence.has(p.userId);
      presence.set(p.userId, { name: p.name, activity: p.activity, at: Date.now() });
      if (!known) announce("viewing");
    }
    showPresence();
  });

  function announce(activity) {
    if (conversation && connection.state === signalR.HubConnectionState.Connected) {
      connection.invoke("Presence", conversation, activity).catch(() => {});
    }
  }

  function setState(text) { if (liveState) liveState.textContent = text; }
  connection.onreconnecting(() => setState(liveState?.dataset.reconnecting || ""));
  connection.onreconnected(() => { setState(""); catchUp(); announce("viewing"); });
  connection.onclose(() => { setState(liveState?.dataset.reconnecting || ""); setTimeout(start, 5000); });

  async function start() {
    try {
      await connection.start();
      setState("");
      root.dataset.connected = "true";
      await catchUp();
      announce("viewing");
    } catch {
      setTimeout(start, 5000);
    }
  }
  start();

  if (conversation) {
    setInterval(() => { announce("viewing"); showPresence(); }, 15000);
    window.addEventListener("pagehide", () => announce("left"));
    let lastTyping = 0;
    document.addEventListener("input", e => {
      if (e.target.id !== "composer-text") return;
      if (Date.now() - lastTyping > 3000) { lastTyping = Date.now(); announce("typing"); }
    });
    const history = root.querySelector(".history");
    if (history) history.scrollTop = history.scrollHeight;
  }

  // The composer: Ctrl+Enter sends, emoji go in at the caret, "Reply" quotes a message.
  document.addEventListener("keydown", e => {
    if (e.target.id === "composer-text" && e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      e.target.form.requestSubmit();
    }
  });
  document.addEventListener("click", e => {
    const emoji = e.target.closest("[data-emoji]");
    if (emoji) {
      const text = document.getElementById("composer-text");
      if (!text) return;
      const at = text.selectionStart ?? text.value.length;
      text.setRangeText(emoji.dataset.emoji, at, text.selectionEnd ?? at, "end");
      text.focus();
      return;
    }
    const reply = e.target.closest("[data-reply]");
    if (reply) {
      const input = document.querySelector("[data-reply-input]");
      const line = document.querySelector("[data-replying]");
      if (!input || !line) return;
      input.value = reply.dataset.reply;
      line.querySelector("[data-replying-text]").textContent = `${line.dataset.label} “${reply.closest("li").dataset.preview}”`;
      line.hidden = false;
      document.getElementById("composer-text")?.focus();
      return;
    }
    if (e.target.closest("[data-reply-cancel]")) {
      document.querySelector("[data-reply-input]").value = "";
      document.querySelector("[data-replying]").hidden = true;
      document.getElementById("composer-text")?.focus();
    }
  });

  document.body.addEventListener("htmx:afterSettle", e => {
    if (!conversation) return;
    const composer = document.getElementById("composer");
    const state = document.getElementById("conversation-state");
    if (e.detail.target?.id === "composer" || e.detail.elt?.id === "composer") {
      catchUp();
      document.getElementById("composer-text")?.focus();
    }
    if (composer && state && (state.dataset.windowOpen === "true") !== (composer.dataset.mode === "text")) {
      htmx.ajax("GET", `${base}/${conversation}?handler=composer`, { target: "#composer", swap: "outerHTML" });
    }
  });
})();

// The template preview shows the body with the values typed so far.
document.addEventListener("input", e => {
  const input = e.target.closest("[data-variable]");
  if (!input) return;
  const form = input.form;
  const body = form.querySelector("[data-template-body]");
  if (!body) return;
  let text = body.dataset.templateBody;
  for (const field of form.querySelectorAll("[data-variable]")) {
    text = text.replaceAll(new RegExp(`\\{\\{\\s*${field.dataset.variable}\\s*\\}\\}`, "g"), field.value || `{{${field.dataset.variable}}}`);
  }
  body.textContent = text;
});

// Canned replies: "/" and the start of a shortcut lists the matches; Tab or a click inserts one.
(() => {
  function matches(text) {
    const list = document.querySelector("[data-canned]");
    if (!list) return [];
    const typed = /^\/([a-z0-9_-]*)$/.exec(text.value.trim());
    let shown = [];
    for (const item of list.querySelectorAll("li")) {
      const ok = typed !== null && item.querySelector("button").dataset.cannedShortcut.startsWith(typed[1]);
      item.hidden = !ok;
      if (ok) shown.push(item.querySelector("button"));
    }
    list.hidden = shown.length === 0;
    return shown;
  }
  function insert(button) {
    const text = document.getElementById("composer-text");
    text.value = button.dataset.cannedText;
    matches(text);
    text.focus();
  }
  document.addEventListener("input", e => { if (e.target.id === "composer-text") matches(e.target); });
  document.addEventListener("keydown", e => {
    if (e.target.id !== "composer-text" || e.key !== "Tab" || e.shiftKey) return;
    const shown = matches(e.target);
    if (shown.length > 0) { e.preventDefault(); insert(shown[0]); }
  });
  document.addEventListener("click", e => {
    const button = e.target.closest("[data-canned-shortcut]");
    if (button) insert(button);
  });
})();
