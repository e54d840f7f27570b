// Starts @modelcontextprotocol/server-everything's Streamable HTTP transport on 127.0.0.1 (it
// listens on every interface by default) on a free port, and prints "listening <port>" once
// it accepts connections.
import http from 'node:http';

const listen = http.Server.prototype.listen;
http.Server.prototype.listen = function (port, ...rest) {
    this.once('listening', () => process.stdout.write(`listening ${this.address().port}\n`));
    const callback = rest.find((a) => typeof a === 'function');
    return listen.call(this, 0, '127.0.0.1', callback);
};
await import('@modelcontextprotocol/server-everything/dist/transports/streamableHttp.js');
