// Drives the WhatsApp sandbox with a third-party Cloud API client from npm (@kapso/whatsapp-cloud-api):
// a text, a template and an interactive reply-buttons message, then a wrong token. Every answer must
// have Meta's shape; anything else ends the script with exit code 1 and one line saying what differed.
//
//   node check.mjs --base-url http://127.0.0.1:5100/sandbox/graph --phone-number-id 100000000000001 \
//                  --token SANDBOX.… [--to 4915112345678]
//
// The same settings can come from SANDBOX_GRAPH_URL, SANDBOX_PHONE_NUMBER_ID, SANDBOX_ACCESS_TOKEN, SANDBOX_TO.
// On success the last line of standard output is a JSON object with the recipient and the three wamids.
import { parseArgs } from "node:util";
import { GraphApiError, WhatsAppClient } from "@kapso/whatsapp-cloud-api";

const { values: args } = parseArgs({
    options: {
        "base-url": { type: "string" },
        "phone-number-id": { type: "string" },
        token: { type: "string" },
        to: { type: "string" },
    },
});
const baseUrl = args["base-url"] ?? process.env.SANDBOX_GRAPH_URL;
const phoneNumberId = args["phone-number-id"] ?? process.env.SANDBOX_PHONE_NUMBER_ID;
const accessToken = args.token ?? process.env.SANDBOX_ACCESS_TOKEN;
const to = args.to ?? process.env.SANDBOX_TO ?? "+49 151 " + String(Date.now()).slice(-8);

function fail(message) {
    console.error(`npm-client check failed: ${message}`);
    process.exit(1);
}

if (!baseUrl || !phoneNumberId || !accessToken) {
    fail("give --base-url, --phone-number-id and --token (or SANDBOX_GRAPH_URL, SANDBOX_PHONE_NUMBER_ID, SANDBOX_ACCESS_TOKEN)");
}

// The library camel-cases answers (wa_id → waId); Meta's shape is checked on the raw bytes it received.
const raw = [];
const recordingFetch = async (url, init) => {
    const response = await fetch(url, init);
    raw.push({ url: String(url), status: response.status, body: await response.clone().text() });
    return response;
};

const client = new WhatsAppClient({ accessToken, baseUrl, graphVersion: "v23.0", fetch: recordingFetch });

function checkAccepted(what, answer, { template = false } = {}) {
    const last = raw.at(-1);
    let body;
    try {
        body = JSON.parse(last.body);
    } catch {
        fail(`${what}: the answer is not JSON (HTTP ${last.status}): ${last.body.slice(0, 200)}`);
    }

    const problems = [];
    if (last.status !== 200) problems.push(`HTTP ${last.status}, not 200`);
    if (body.messaging_product !== "whatsapp") problems.push(`messaging_product is ${JSON.stringify(body.messaging_product)}`);
    if (!Array.isArray(body.contacts) || body.contacts.length !== 1) problems.push("contacts is not an array of one");
    else {
        if (body.contacts[0].input !== to) problems.push(`contacts[0].input is ${JSON.stringify(body.contacts[0].input)}, not the ${JSON.stringify(to)} sent`);
        if (typeof body.contacts[0].wa_id !== "string" || !/^\d{6,15}$/.test(body.contacts[0].wa_id)) problems.push(`contacts[0].wa_id is ${JSON.stringify(body.contacts[0].wa_id)}, not digits`);
    }
    if (!Array.isArray(body.messages) || body.messages.length !== 1) problems.push("messages is not an array of one");
    else {
        if (typeof body.messages[0].id !== "string" || !body.messages[0].id.startsWith("wamid.")) problems.push(`messages[0].id is ${JSON.stringify(body.messages[0].id)}`);
        if (template && body.messages[0].message_status !== "accepted") problems.push(`messages[0].message_status is ${JSON.stringify(body.messages[0].message_status)}, not "accepted"`);
        if (!template && "message_status" in body.messages[0]) problems.push("messages[0].message_status is only for templates");
    }
    if (answer?.messages?.[0]?.id !== body.messages?.[0]?.id) problems.push("the library did not hand back the message id");
    if (problems.length) fail(`${what}: ${problems.join("; ")}. Answer: ${last.body}`);
    console.log(`${what}: accepted as ${body.messages[0].id}`);
    return { waId: body.contacts[0].wa_id, id: body.messages[0].id };
}

async function send(what, call, options) {
    try {
        return checkAccepted(what, await call(), options);
    } catch (error) {
        if (error instanceof GraphApiError) fail(`${what}: refused with ${error.message} ${error.details ?? ""}`);
        throw error;
    }
}

const text = await send("text", () => client.messages.sendText({ phoneNumberId, to, body: "Ihre Bestellung ist unterwegs." }));
const template = await send(
    "template",
    () => client.messages.sendTemplate({
        phoneNumberId,
        to,
        template: {
            name: "appointment_reminder",
            language: { code: "de" },
            components: [{ type: "body", parameters: [{ type: "text", text: "Frau Berg" }, { type: "text", text: "12. Mai um 10 Uhr" }] }],
        },
    }),
    { template: true },
);
const buttons = await send("interactive", () => client.messages.sendInteractiveButtons({
    phoneNumberId,
    to,
    bodyText: "Passt Ihnen der Termin?",
    footerText: "Autohaus Berg",
    buttons: [{ id: "yes", title: "Ja, passt" }, { id: "later", title: "Später" }],
}));

// A wrong token: Meta answers code 190, and the library must surface it as a GraphApiError.
const wrong = new WhatsAppClient({ accessToken: "EAAG-not-a-token", baseUrl, graphVersion: "v23.0", fetch: recordingFetch });
try {
    await wrong.messages.sendText({ phoneNumberId, to, body: "Darf nicht ankommen." });
    fail("wrong token: the send was accepted");
} catch (error) {
    if (!(error instanceof GraphApiError)) fail(`wrong token: expected a GraphApiError, got ${error}`);
    const body = JSON.parse(raw.at(-1).body);
    if (error.code !== 190 || body.error?.code !== 190) fail(`wrong token: expected code 190, got ${error.code} (${raw.at(-1).body})`);
    if (body.error.type !== "OAuthException" || typeof body.error.message !== "string" || typeof body.error.fbtrace_id !== "string") {
        fail(`wrong token: the error lacks Meta's type/message/fbtrace_id: ${raw.at(-1).body}`);
    }
    console.log(`wrong token: refused with ${error.message}`);
}

const waIds = new Set([text.waId, template.waId, buttons.waId]);
if (waIds.size !== 1) fail(`the three answers name different wa_ids: ${[...waIds].join(", ")}`);
console.log(JSON.stringify({ waId: text.waId, text: text.id, template: template.id, interactive: buttons.id }));
