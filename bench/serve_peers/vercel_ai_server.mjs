// The serving benchmark's Vercel AI SDK peer: streamText over @ai-sdk/openai-compatible,
// pointed at the fake OpenRouter (FAKE_URL; its CA through NODE_EXTRA_CA_CERTS), behind an
// OpenAI-compatible streaming endpoint.
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { streamText } from 'ai';
import { serveChat, MODEL, INSTRUCTIONS } from './sse_server.mjs';

const openrouter = createOpenAICompatible({ name: 'openrouter', baseURL: process.env.FAKE_URL, apiKey: 'sk-or-fake' });
const model = openrouter(MODEL);

serveChat('vercel-ai-streamText', (prompt, abortSignal) =>
  streamText({ model, system: INSTRUCTIONS, prompt, abortSignal, maxRetries: 0 }).textStream);
