namespace Parley.Sandbox;

/// <summary>
/// The customer-phone page at <c>/sandbox</c>: pick or add a simulated customer, write, send a photo
/// or a location, tap reply buttons and list rows, and see what the business sends — templates
/// rendered with their parameters. It uses only the control API, like a test would.
/// </summary>
public static class SandboxPhone
{
    public static RouteGroupBuilder MapSandboxPhone(this RouteGroupBuilder sandbox)
    {
        sandbox.MapGet("/", () => Results.Content(Page, "text/html; charset=utf-8"));
        sandbox.MapGet("/phone.js", () => Results.Content(Script, "text/javascript; charset=utf-8"));
        sandbox.MapGet("/api/customers", (SandboxState state) => state.Customers().Select(c => new { c.WaId, c.Name, c.HasWhatsApp, c.MarketingStopped }));
        sandbox.MapGet("/api/templates", (SandboxTemplates templates) => templates.All());
        return sandbox;
    }

    private const string Page = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>WhatsApp sandbox · Parley</title>
          <style>
            body { margin: 0; font-family: system-ui, sans-serif; background: #e9edef; color: #111b21; height: 100vh; display: flex; flex-direction: column; }
            header { background: #075e54; color: #fff; padding: 10px 16px; display: flex; gap: 12px; align-items: center; flex-wrap: wrap; }
            header h1 { font-size: 1rem; margin: 0 auto 0 0; }
            header select, header input, header button { font: inherit; padding: 4px 8px; border-radius: 4px; border: 0; }
            main { width: 100%; max-width: 560px; margin: 0 auto; display: flex; flex-direction: column; flex: 1; min-height: 0; }
            #chat { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 6px; background: #efeae2; }
            .bubble { max-width: 80%; padding: 6px 10px; border-radius: 8px; box-shadow: 0 1px 1px rgba(0,0,0,.1); white-space: pre-wrap; word-wrap: break-word; }
            .in { align-self: flex-start; background: #fff; }
            .out { align-self: flex-end; background: #d9fdd3; }
            .meta { font-size: .7rem; color: #667781; text-align: right; margin-top: 2px; }
            .choice { display: block; width: 100%; margin-top: 6px; padding: 6px; border: 1px solid #b3d8ce; background: #fff; color: #027eb5; border-radius: 6px; cursor: pointer; font: inherit; }
            .template { border-left: 3px solid #25d366; padding-left: 6px; }
            form#composer { display: flex; gap: 6px; padding: 8px; background: #f0f2f5; flex-wrap: wrap; }
            form#composer input[type=text] { flex: 1; min-width: 120px; font: inherit; padding: 8px 10px; border-radius: 8px; border: 1px solid #d1d7db; }
            form#composer button, form#composer label { font: inherit; padding: 8px 10px; border-radius: 8px; border: 0; background: #00a884; color: #fff; cursor: pointer; }
            form#composer label.secondary, form#composer button.secondary { background: #fff; color: #111b21; border: 1px solid #d1d7db; }
            .hint { color: #667781; text-align: center; margin: auto; }
          </style>
          <script src="/sandbox/phone.js" defer></script>
        </head>
        <body>
          <header>
            <h1>WhatsApp sandbox</h1>
            <label>Business <select id="number" aria-label="Business number"></select></label>
            <label>Customer <select id="customer" aria-label="Customer"></select></label>
            <input id="newWaId" placeholder="+49 170 1234567" aria-label="New customer's number" size="14">
            <input id="newName" placeholder="Name" aria-label="New customer's name" size="10">
            <button id="add" type="button">Add customer</button>
          </header>
          <main>
            <div id="chat" aria-live="polite"><p class="hint">Pick or add a customer, then write to the business.</p></div>
            <form id="composer">
              <input id="text" type="text" placeholder="Message" aria-label="Message" autocomplete="off">
              <button type="submit">Send</button>
              <label class="secondary" for="photo">Photo</label>
              <input id="photo" type="file" accept="image/jpeg,image/png" hidden>
              <button id="location" class="secondary" type="button">Location</button>
            </form>
          </main>
        </body>
        </html>
        """;

    private const string Script = """
        "use strict";
        const $ = (id) => document.getElementById(id);
        let templates = [];

        async function api(path, body) {
          const response = await fetch("/sandbox/api/" + path, body === undefined ? {} :
            { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
          if (!response.ok) { alert(await response.text()); throw new Error(path); }
          return response.json();
        }

        async function load() {
          const numbers = await api("numbers");
          $("number").replaceChildren(...numbers.map(n => new Option(`${n.verifiedName} (${n.displayPhoneNumber})`, n.phoneNumberId)));
          templates = await api("templates");
          await loadCustomers();
          setInterval(render, 1000);
        }

        async function loadCustomers(select) {
          const customers = await api("customers");
          $("customer").replaceChildren(...customers.map(c => new Option(`${c.name} (+${c.waId})`, c.waId)));
          if (select) $("customer").value = select;
          render();
        }

        function send(message) {
          const from = $("customer").value;
          if (!from) { alert("Add a customer first."); return Promise.resolve(); }
          return api("inbound", { from, profileName: $("customer").selectedOptions[0].text.replace(/ \(\+\d+\)$/, ""), phoneNumberId: $("number").value, ...message }).then(render);
        }

        function templateText(message) {
          const t = message.template;
          const known = templates.find(x => x.name === t.name && x.language === t.language?.code);
          const body = (t.components || []).find(c => (c.type || "").toLowerCase() === "body");
          const values = (body?.parameters || []);
          if (!known) return `[template ${t.name}]`;
          let i = 0;
          return known.body.replace(/\{\{\s*([a-z0-9_]+)\s*\}\}/g, (_, name) => {
            const p = values.find(v => v.parameter_name === name) || values[i];
            i++;
            return p?.text ?? `{{${name}}}`;
          });
        }

        function bubble(m) {
          const div = document.createElement("div");
          div.className = "bubble " + (m.direction === "inbound" ? "out" : "in");
          const msg = m.message;
          const add = (text) => div.append(document.createTextNode(text));
          switch (m.type) {
            case "text": add(msg.text.body); break;
            case "template": div.classList.add("template"); add(templateText(msg)); break;
            case "image": case "video": case "document": case "audio": case "sticker":
              add(`[${m.type}] ${msg[m.type].caption || msg[m.type].filename || ""}`); break;
            case "location": add(`📍 ${msg.location.name || ""} ${msg.location.latitude}, ${msg.location.longitude}`); break;
            case "reaction": add(`reacted ${msg.reaction.emoji || "(removed)"}`); break;
            case "interactive": {
              const i = msg.interactive;
              add(i.body?.text || "");
              if (i.type === "button") {
                for (const b of i.action.buttons) {
                  const button = document.createElement("button");
                  button.className = "choice"; button.textContent = b.reply.title;
                  button.onclick = () => send({ type: "interactive", interactive: { type: "button_reply", button_reply: { id: b.reply.id, title: b.reply.title } }, context: { id: m.id } });
                  div.append(button);
                }
              } else if (i.type === "list") {
                for (const section of i.action.sections) for (const row of section.rows) {
                  const button = document.createElement("button");
                  button.className = "choice"; button.textContent = row.title + (row.description ? " — " + row.description : "");
                  button.onclick = () => send({ type: "interactive", interactive: { type: "list_reply", list_reply: { id: row.id, title: row.title, description: row.description } }, context: { id: m.id } });
                  div.append(button);
                }
              } else if (i.type === "cta_url") {
                const a = document.createElement("a");
                a.className = "choice"; a.href = i.action.parameters.url; a.textContent = i.action.parameters.display_text; a.target = "_blank";
                div.append(a);
              }
              break;
            }
            case "button": add(msg.button.text); break;
            default: add(`[${m.type}]`);
          }
          const meta = document.createElement("div");
          meta.className = "meta";
          meta.textContent = new Date(m.at).toLocaleTimeString() + (m.direction === "outbound" ? "" : " · " + m.status) + (m.errorCode ? ` · error ${m.errorCode}` : "");
          div.append(meta);
          return div;
        }

        let shown = "";
        async function render() {
          const to = $("customer").value;
          if (!to) return;
          const messages = (await api("messages?to=" + encodeURIComponent(to))).filter(m => m.phoneNumberId === $("number").value);
          const key = JSON.stringify(messages.map(m => [m.id, m.status]));
          if (key === shown) return;
          shown = key;
          const chat = $("chat");
          chat.replaceChildren(...messages.map(bubble));
          chat.scrollTop = chat.scrollHeight;
        }

        $("composer").addEventListener("submit", (e) => {
          e.preventDefault();
          const body = $("text").value.trim();
          if (!body) return;
          $("text").value = "";
          send({ type: "text", text: { body } });
        });
        $("location").onclick = () => send({ type: "location", location: { latitude: 52.520008, longitude: 13.404954, name: "Alexanderplatz", address: "10178 Berlin" } });
        $("photo").onchange = async () => {
          const file = $("photo").files[0];
          if (!file) return;
          const data = await new Promise((resolve) => { const reader = new FileReader(); reader.onload = () => resolve(reader.result.split(",")[1]); reader.readAsDataURL(file); });
          await send({ type: "image", image: { mime_type: file.type || "image/jpeg", data, caption: file.name } });
          $("photo").value = "";
        };
        $("add").onclick = async () => {
          const waId = $("newWaId").value.replace(/\D/g, "");
          if (waId.length < 6) { alert("Enter the customer's number in international format."); return; }
          await api("customers", { waId, name: $("newName").value || "Customer " + waId.slice(-4) });
          $("newWaId").value = ""; $("newName").value = "";
          await loadCustomers(waId);
        };
        $("customer").onchange = () => { shown = ""; render(); };
        $("number").onchange = () => { shown = ""; render(); };
        load();
        """;
}
