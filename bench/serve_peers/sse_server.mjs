// What both Node peers share: a node:http server answering POST /v1/chat/completions with
// OpenAI's streamed chunks, the text coming from `answer(prompt, signal)` (an async iterable of
// text deltas). A client that leaves aborts the run, as agentroute serve cancels it.
import http from 'node:http';
import { randomBytes } from 'node:crypto';

export const MODEL = 'anthropic/claude-sonnet-4.5';
export const INSTRUCTIONS =
  'You are a support engineer. Look tickets up with lookup_ticket before you answer, then reply in two sentences.';

export function serveChat(peer, answer) {
  const server = http.createServer(async (req, res) => {
    if (req.method !== 'POST' || !req.url.endsWith('/chat/completions')) {
      res.writeHead(404).end();
      return;
    }
    let body = '';
    for await (const part of req) body += part;
    let call;
    try {
      call = JSON.parse(body);
    } catch {
      res.writeHead(400, { 'Content-Type': 'application/json' }).end('{"error":{"message":"not JSON"}}');
      return;
    }
    const prompt = call.messages[call.messages.length - 1].content;
    const id = 'chatcmpl-' + randomBytes(12).toString('hex');
    const created = Math.floor(Date.now() / 1000);
    const chunk = (delta, finish) => `data: ${JSON.stringify({
      id, object: 'chat.completion.chunk', created, model: call.model,
      choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const controller = new AbortController();
    res.on('close', () => { if (!res.writableFinished) controller.abort(); });
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    res.write(chunk({ role: 'assistant', content: '' }, null));
    try {
      for await (const text of answer(prompt, controller.signal)) {
        if (text) res.write(chunk({ content: text }, null));
      }
      res.write(chunk({}, 'stop'));
      res.end('data: [DONE]\n\n');
    } catch (e) {
      res.end(`data: ${JSON.stringify({ error: { message: String(e?.message ?? e) } })}\n\ndata: [DONE]\n\n`);
    }
  });
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 30_000;
  server.requestTimeout = 0;  // streams last as long as their runs
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    console.log(JSON.stringify({ ready: true, peer, port: server.address().port }));
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
