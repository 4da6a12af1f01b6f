'use strict';
// Captures what an instrumentation script exports, as OTLP/JSON, for the compact fixtures in the .NET tests:
//   node capture.js openinference.js > capture.json
const http = require('node:http');
const { spawn } = require('node:child_process');

const bodies = [];
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', c => { body += c; });
  req.on('end', () => {
    bodies.push({ path: req.url, body: JSON.parse(body) });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
});
server.listen(0, '127.0.0.1', () => {
  const url = `http://127.0.0.1:${server.address().port}`;
  const child = spawn(process.execPath, [process.argv[2]], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, QUELL_OTLP_JSON: '1', QUELL_URL: url, OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_SERVICE_NAME: process.env.OTEL_SERVICE_NAME || 'support_chat' },
  });
  child.on('exit', code => {
    server.close();
    process.stdout.write(JSON.stringify(bodies, null, 1) + '\n');
    process.exitCode = code;
  });
});
