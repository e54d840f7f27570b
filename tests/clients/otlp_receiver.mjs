// An OTLP/HTTP receiver for the exporter's tests: every request body is decoded with the
// OpenTelemetry JS project's own protobuf definitions (@opentelemetry/otlp-transformer's
// protobufjs-generated ExportTraceServiceRequest), encoded to protobuf bytes and decoded again;
// a field the definitions do not know, or a value of the wrong type, makes the round trip differ
// and the request is answered 400 and reported. What the decoder read goes, one JSON line per
// request, to the file named by --out.
//
//   node otlp_receiver.mjs --out FILE [--fail-first N --fail-status S] [--retry-after SECONDS]
//                          [--delay-ms MS]
// Prints "port <n>" once listening on 127.0.0.1.

import { createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
import http from 'node:http';
import { isDeepStrictEqual } from 'node:util';

const require = createRequire(import.meta.url);
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root.js');
const Request = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) =>
    a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs, []));
const out = args.out;
let failFirst = Number(args['fail-first'] ?? 0);
const failStatus = Number(args['fail-status'] ?? 503);
const delayMs = Number(args['delay-ms'] ?? 0);

const hexToBase64 = (hex) => Buffer.from(hex, 'hex').toString('base64');
const base64ToHex = (b64) => Buffer.from(b64, 'base64').toString('hex');
const idFields = ['traceId', 'spanId', 'parentSpanId'];

function mapSpans(request, convert) {
    for (const rs of request.resourceSpans ?? []) {
        for (const ss of rs.scopeSpans ?? []) {
            for (const span of ss.spans ?? []) {
                for (const f of idFields) if (typeof span[f] === 'string') span[f] = convert(span[f]);
            }
        }
    }
    return request;
}

// Proto3 leaves defaults out: drop them from the sent JSON before comparing.
function withoutDefaults(v) {
    if (Array.isArray(v)) return v.map(withoutDefaults);
    if (v && typeof v === 'object') {
        const o = {};
        for (const [k, x] of Object.entries(v)) {
            const y = withoutDefaults(x);
            if (y === 0 || y === '' || y === '0' || y === false) continue;
            if (Array.isArray(y) && y.length === 0) continue;
            o[k] = y;
        }
        return o;
    }
    return v;
}

function plainValue(any) {
    if ('stringValue' in any) return any.stringValue;
    if ('intValue' in any) return Number(any.intValue);
    if ('doubleValue' in any) return any.doubleValue;
    if ('boolValue' in any) return any.boolValue;
    if ('arrayValue' in any) return (any.arrayValue.values ?? []).map(plainValue);
    return null;
}

function decode(body) {
    const sent = JSON.parse(body);
    const message = Request.fromObject(mapSpans(structuredClone(sent), hexToBase64));
    const invalid = Request.verify(message);
    if (invalid) throw new Error('verify: ' + invalid);
    const decoded = Request.decode(Request.encode(message).finish());
    const back = mapSpans(Request.toObject(decoded, { longs: String, enums: Number, bytes: String }), base64ToHex);
    const expected = withoutDefaults(sent);
    if (!isDeepStrictEqual(withoutDefaults(back), expected)) {
        throw new Error('round trip differs:\n sent ' + JSON.stringify(expected) + '\n read ' + JSON.stringify(back));
    }
    const spans = [];
    for (const rs of back.resourceSpans ?? []) {
        const resource = Object.fromEntries((rs.resource?.attributes ?? []).map((a) => [a.key, plainValue(a.value)]));
        for (const ss of rs.scopeSpans ?? []) {
            for (const s of ss.spans ?? []) {
                spans.push({
                    service: resource['service.name'], scope: ss.scope?.name,
                    traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? '',
                    name: s.name, kind: s.kind ?? 0,
                    start: s.startTimeUnixNano, end: s.endTimeUnixNano,
                    attributes: Object.fromEntries((s.attributes ?? []).map((a) => [a.key, plainValue(a.value)])),
                    status: s.status ?? {},
                });
            }
        }
    }
    return spans;
}

const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
        const answer = () => {
            if (failFirst > 0) {
                failFirst -= 1;
                const headers = args['retry-after'] ? { 'Retry-After': args['retry-after'] } : {};
                res.writeHead(failStatus, headers).end();
                return;
            }
            const body = Buffer.concat(chunks).toString('utf8');
            let line;
            try {
                if (req.url !== '/v1/traces' || req.headers['content-type'] !== 'application/json') {
                    throw new Error(`unexpected ${req.method} ${req.url} ${req.headers['content-type']}`);
                }
                line = { ok: true, spans: decode(body) };
            } catch (e) {
                line = { ok: false, error: String(e.message ?? e) };
            }
            // Written before the answer: once the exporter has its 200, the test may read the file.
            appendFileSync(out, JSON.stringify(line) + '\n');
            if (line.ok) res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
            else res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: line.error }));
        };
        if (delayMs > 0) setTimeout(answer, delayMs);
        else answer();
    });
});
server.listen(0, '127.0.0.1', () => console.log(`port ${server.address().port}`));
