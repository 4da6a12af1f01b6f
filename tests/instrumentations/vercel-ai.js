'use strict';
// The Vercel AI SDK (ai + @ai-sdk/openai) with experimental_telemetry: generateText over the Responses API,
// streamText over Chat Completions, and a call the endpoint fails with a 500.
const { startSdk, failOnExportErrors } = require('./otel-sdk');

failOnExportErrors();
const sdk = startSdk([]);
const { generateText, streamText } = require('ai');
const { createOpenAI } = require('@ai-sdk/openai');
const mock = require('./mock-openai');
const { system } = require('./scenario');

(async () => {
  const { server, baseURL } = await mock.start();
  const openai = createOpenAI({ apiKey: 'sk-test', baseURL });
  const telemetry = { isEnabled: true, functionId: 'order_status', metadata: { tenant_id: 'acme', userId: 'u-17', sessionId: 's-9' } };
  await generateText({ model: openai('gpt-4o-mini'), system, prompt: 'Where is my order 1234?', experimental_telemetry: telemetry });
  const stream = streamText({ model: openai.chat('gpt-4o-mini'), system, prompt: 'When does it ship?', experimental_telemetry: telemetry });
  for await (const part of stream.textStream) { void part; }
  try {
    await generateText({ model: openai.chat('gpt-4o-mini'), prompt: 'FAIL500 please', maxRetries: 0, experimental_telemetry: telemetry });
  } catch (e) { void e; }
  await sdk.shutdown();
  server.close();
})().catch(e => { console.error(e); process.exit(1); });
