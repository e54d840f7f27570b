// The serving benchmark's OpenAI Agents SDK peer: one Agent on an OpenAIChatCompletionsModel
// whose client's baseURL is the fake OpenRouter, run with {stream: true} per request, its text
// stream forwarded as OpenAI chunks. Tracing off.
import OpenAI from 'openai';
import { Agent, run, OpenAIChatCompletionsModel, setTracingDisabled } from '@openai/agents';
import { serveChat, MODEL, INSTRUCTIONS } from './sse_server.mjs';

setTracingDisabled(true);
const client = new OpenAI({ baseURL: process.env.FAKE_URL, apiKey: 'sk-or-fake', maxRetries: 0 });
const agent = new Agent({ name: 'support', instructions: INSTRUCTIONS, model: new OpenAIChatCompletionsModel(client, MODEL) });

serveChat('openai-agents-js', async function* (prompt, signal) {
  const result = await run(agent, prompt, { stream: true, maxTurns: 5, signal });
  for await (const text of result.toTextStream()) yield text;
  await result.completed;
});
