'use strict';
// @traceloop/node-server-sdk (OpenLLMetry) exporting to Quell as its base URL, with association properties
// for tenant, user and session, and a workflow name.
const traceloop = require('@traceloop/node-server-sdk');
const OpenAI = require('openai');
const mock = require('./mock-openai');
const { runOpenAi } = require('./scenario');

traceloop.initialize({
  appName: process.env.OTEL_SERVICE_NAME,
  baseUrl: process.env.QUELL_URL,
  apiKey: process.env.QUELL_API_KEY || 'none',
  disableBatch: true,
  traceloopSyncEnabled: false,
  silenceInitializationMessage: true,
  instrumentModules: { openAI: OpenAI.OpenAI },
  // QUELL_OTLP_JSON=1 sends OTLP/JSON instead of the SDK's default protobuf.
  exporter: process.env.QUELL_OTLP_JSON === '1'
    ? new (require('@opentelemetry/exporter-trace-otlp-http').OTLPTraceExporter)({ url: process.env.QUELL_URL + '/v1/traces', headers: { Authorization: 'Bearer ' + (process.env.QUELL_API_KEY || 'none') } })
    : undefined,
});

(async () => {
  const { server, baseURL } = await mock.start();
  await traceloop.withWorkflow({ name: 'order_status' }, () =>
    traceloop.withAssociationProperties({ tenant_id: 'acme', user_id: 'u-17', session_id: 's-9' }, () => runOpenAi(OpenAI, baseURL)));
  await traceloop.forceFlush();
  server.close();
})().catch(e => { console.error(e); process.exit(1); });
