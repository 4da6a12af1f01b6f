'use strict';
// An OpenAI-compatible endpoint on loopback with fixed answers, so the instrumented SDKs make real HTTP calls.
const http = require('node:http');

const usage = { prompt_tokens: 42, completion_tokens: 7, total_tokens: 49, prompt_tokens_details: { cached_tokens: 12 } };
const answer = 'Your order ships tomorrow.';

function chatCompletion(model) {
  return {
    id: 'chatcmpl-quell1', object: 'chat.completion', created: 1764000000, model: model + '-2024-07-18',
    choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }],
    usage,
  };
}

function sendChatStream(res, model) {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const base = { id: 'chatcmpl-quell2', object: 'chat.completion.chunk', created: 1764000000, model: model + '-2024-07-18' };
  const parts = ['Your order ', 'ships ', 'tomorrow.'];
  res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] })}\n\n`);
  for (const p of parts) {
    res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: p }, finish_reason: null }] })}\n\n`);
  }
  res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
  res.write(`data: ${JSON.stringify({ ...base, choices: [], usage })}\n\n`);
  res.end('data: [DONE]\n\n');
}

function response(model) {
  return {
    id: 'resp_quell1', object: 'response', created_at: 1764000000, status: 'completed', model: model + '-2024-07-18',
    output: [{ type: 'message', id: 'msg_quell1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: answer, annotations: [] }] }],
    usage: { input_tokens: 42, input_tokens_details: { cached_tokens: 12 }, output_tokens: 7, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 49 },
    error: null, incomplete_details: null,
  };
}

function start() {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', c => { body += c; });
    req.on('end', () => {
      const request = body ? JSON.parse(body) : {};
      const text = JSON.stringify(request);
      if (text.includes('FAIL500')) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } }));
        return;
      }
      if (req.url.endsWith('/chat/completions')) {
        if (request.stream) {
          sendChatStream(res, request.model);
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(chatCompletion(request.model)));
        return;
      }
      if (req.url.endsWith('/responses')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(response(request.model)));
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'no such route ' + req.url } }));
    });
  });
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve({ server, baseURL: `http://127.0.0.1:${server.address().port}/v1` })));
}

module.exports = { start, answer };
