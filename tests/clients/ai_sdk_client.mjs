// The Vercel AI SDK (`ai` with `@ai-sdk/openai-compatible`) against `agentroute serve`,
// unmodified: generateText and streamText, usage included. Prints one JSON object.
//   node ai_sdk_client.mjs http://127.0.0.1:PORT/v1
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { generateText, streamText } from "ai";

const agentroute = createOpenAICompatible({ name: "agentroute", baseURL: process.argv[2], includeUsage: true });
const prompt = "Why is ticket 4821 blocked?";
const out = {};

const whole = await generateText({ model: agentroute("support"), prompt, maxRetries: 0 });
out.whole = { text: whole.text, finish_reason: whole.finishReason, usage: whole.usage };

const streamed = streamText({ model: agentroute("support"), prompt, maxRetries: 0 });
let text = "";
let parts = 0;
for await (const delta of streamed.textStream) {
    text += delta;
    ++parts;
}
out.streamed = { text, parts, finish_reason: await streamed.finishReason, usage: await streamed.usage };

try {
    await generateText({ model: agentroute("nobody"), prompt, maxRetries: 0 });
    out.not_found = { status: 0 };
} catch (e) {
    out.not_found = { status: e.statusCode, kind: e.constructor.name, message: e.message };
}

console.log(JSON.stringify(out));
