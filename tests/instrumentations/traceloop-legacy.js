'use strict';
// An older @traceloop/instrumentation-openai (indexed gen_ai.prompt.N.* / gen_ai.completion.N.* content,
// provider "OpenAI") on the plain OpenTelemetry SDK.
const { startSdk, failOnExportErrors } = require('./otel-sdk');
const { OpenAIInstrumentation } = require('traceloop-instrumentation-openai-legacy');

failOnExportErrors();
const instrumentation = new OpenAIInstrumentation({ enrichTokens: false });
const sdk = startSdk([instrumentation]);
const OpenAI = require('openai');
instrumentation.manuallyInstrument(OpenAI.OpenAI);
const mock = require('./mock-openai');
const { runOpenAi } = require('./scenario');

(async () => {
  const { server, baseURL } = await mock.start();
  await runOpenAi(OpenAI, baseURL);
  await sdk.shutdown();
  server.close();
})().catch(e => { console.error(e); process.exit(1); });
