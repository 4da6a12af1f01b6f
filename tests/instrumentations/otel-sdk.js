'use strict';
// The OpenTelemetry Node SDK with the OTLP/HTTP protobuf exporters for traces, logs and metrics, configured
// from the standard OTEL_EXPORTER_OTLP_* and OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES variables, as an
// application would run it.
const api = require('@opentelemetry/api');
const { logs } = require('@opentelemetry/api-logs');
// QUELL_OTLP_JSON=1 picks the OTLP/HTTP JSON exporters instead of protobuf.
const json = process.env.QUELL_OTLP_JSON === '1';
const { OTLPTraceExporter } = require(json ? '@opentelemetry/exporter-trace-otlp-http' : '@opentelemetry/exporter-trace-otlp-proto');
const { OTLPLogExporter } = require(json ? '@opentelemetry/exporter-logs-otlp-http' : '@opentelemetry/exporter-logs-otlp-proto');
const { OTLPMetricExporter } = require(json ? '@opentelemetry/exporter-metrics-otlp-http' : '@opentelemetry/exporter-metrics-otlp-proto');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { detectResources, envDetector } = require('@opentelemetry/resources');
const { LoggerProvider, BatchLogRecordProcessor } = require('@opentelemetry/sdk-logs');
const { MeterProvider, PeriodicExportingMetricReader } = require('@opentelemetry/sdk-metrics');
const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { BatchSpanProcessor, SimpleSpanProcessor, ConsoleSpanExporter } = require('@opentelemetry/sdk-trace-base');

function startSdk(instrumentations, { withLogs = false, withMetrics = false } = {}) {
  const resource = detectResources({ detectors: [envDetector] });
  const tracerProvider = new NodeTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter()), ...(process.env.QUELL_DEBUG ? [new SimpleSpanProcessor(new ConsoleSpanExporter())] : [])] });
  tracerProvider.register();
  let loggerProvider;
  if (withLogs) {
    loggerProvider = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter() })] });
    logs.setGlobalLoggerProvider(loggerProvider);
  }
  let meterProvider;
  if (withMetrics) {
    meterProvider = new MeterProvider({ resource, readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter(), exportIntervalMillis: 60000 })] });
    api.metrics.setGlobalMeterProvider(meterProvider);
  }
  registerInstrumentations({ tracerProvider, loggerProvider, meterProvider, instrumentations });

  // QUELL_FLUSH=spans-first starts the span export before the log export; the default sends logs first.
  async function shutdown() {
    if (process.env.QUELL_FLUSH === 'spans-first') {
      const spans = tracerProvider.forceFlush();
      const rest = new Promise(resolve => setImmediate(resolve)).then(() => Promise.all([loggerProvider?.forceFlush(), meterProvider?.forceFlush()]));
      await Promise.all([spans, rest]);
    } else {
      await loggerProvider?.forceFlush();
      await meterProvider?.forceFlush();
      await tracerProvider.forceFlush();
    }
    await Promise.all([tracerProvider.shutdown(), loggerProvider?.shutdown(), meterProvider?.shutdown()]);
  }

  return { tracerProvider, shutdown };
}

// Exporters report failures through the diagnostic logger; a failed export must fail the test.
function failOnExportErrors() {
  api.diag.setLogger({
    error: (...args) => { console.error('otel error:', ...args); process.exitCode = 3; },
    warn: (...args) => console.error('otel warn:', ...args),
    info: () => {}, debug: () => {}, verbose: () => {},
  }, api.DiagLogLevel.WARN);
}

module.exports = { startSdk, failOnExportErrors };
