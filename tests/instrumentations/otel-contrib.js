'use strict';
// @opentelemetry/instrumentation-openai: spans to /v1/traces, message content as log events to /v1/logs,
// gen_ai.client.* metrics to /v1/metrics.
const { startSdk, failOnExportErrors } = require('./otel-sdk');
const { OpenAIInstrumentation } = require('@opentelemetry/instrumentation-openai');

failOnExportErrors();
const instrumentation = new OpenAIInstrumentation({ captureMessageContent: true });
const sdk = startSdk([instrumentation], { withLogs: true, withMetrics: true });
const OpenAI = require('openai');
const mock = require('./mock-openai');
const { runOpenAi } = require('./scenario');

(async () => {
  const { server, baseURL } = await mock.start();
  await runOpenAi(OpenAI, baseURL);
  await sdk.shutdown();
  server.close();
})().catch(e => { console.error(e); process.exit(1); });
