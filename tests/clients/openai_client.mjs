// The official `openai` npm package against `agentroute serve`, unmodified: a whole answer, a
// streamed one with usage, the model list, an error, and a stream the client aborts. Prints one
// JSON object; the C++ test that started the server judges it.
//   node openai_client.mjs http://127.0.0.1:PORT/v1
import OpenAI from "openai";

const client = new OpenAI({ baseURL: process.argv[2], apiKey: "unused-by-this-server", maxRetries: 0 });
const messages = [{ role: "user", content: "Why is ticket 4821 blocked?" }];
const out = {};

const whole = await client.chat.completions.create({ model: "support", messages });
out.whole = { id: whole.id, object: whole.object, content: whole.choices[0].message.content,
              finish_reason: whole.choices[0].finish_reason, usage: whole.usage };

const stream = await client.chat.completions.create({
    model: "support", messages, stream: true, stream_options: { include_usage: true } });
let text = "";
let chunks = 0;
let usage = null;
let finish = null;
for await (const chunk of stream) {
    ++chunks;
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (choice?.delta?.content) text += choice.delta.content;
    if (choice?.finish_reason) finish = choice.finish_reason;
}
out.streamed = { content: text, chunks, usage, finish_reason: finish };

// The SDK's stream helper, which assembles the final message itself.
const runner = client.chat.completions.stream({ model: "support", messages });
const final = await runner.finalChatCompletion();
out.helper = { content: final.choices[0].message.content };

const models = [];
for await (const m of client.models.list()) models.push(m.id);
out.models = models;

try {
    await client.chat.completions.create({ model: "nobody", messages });
    out.not_found = { status: 0 };
} catch (e) {
    out.not_found = { status: e.status, code: e.code, type: e.type, message: e.message, kind: e.constructor.name };
}

// A client that goes away mid-answer: the server must cancel the run.
const controller = new AbortController();
let before_abort = 0;
try {
    const slow = await client.chat.completions.create(
        { model: "slow", messages, stream: true }, { signal: controller.signal });
    for await (const chunk of slow) {
        ++before_abort;  // the role chunk: the answer has begun
        controller.abort();
    }
} catch (e) {
    // The SDK ends the iteration quietly or throws APIUserAbortError, by version.
}
out.aborted = { aborted: controller.signal.aborted, chunks: before_abort };

console.log(JSON.stringify(out));
