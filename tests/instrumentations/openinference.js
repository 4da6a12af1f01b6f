'use strict';
// @arizeai/openinference-instrumentation-openai with session, user and metadata set through openinference-core.
const { startSdk, failOnExportErrors } = require('./otel-sdk');
const { OpenAIInstrumentation } = require('@arizeai/openinference-instrumentation-openai');
const { setSession, setUser, setMetadata } = require('@arizeai/openinference-core');
const { context } = require('@opentelemetry/api');

failOnExportErrors();
const instrumentation = new OpenAIInstrumentation();
const sdk = startSdk([instrumentation]);
const OpenAI = require('openai');
instrumentation.manuallyInstrument(OpenAI);
const mock = require('./mock-openai');
const { runOpenAi } = require('./scenario');

(async () => {
  const { server, baseURL } = await mock.start();
  const ctx = setMetadata(setUser(setSession(context.active(), { sessionId: 's-9' }), { userId: 'u-17' }), { tenant_id: 'acme' });
  await context.with(ctx, () => runOpenAi(OpenAI, baseURL));
  await sdk.shutdown();
  server.close();
})().catch(e => { console.error(e); process.exit(1); });
