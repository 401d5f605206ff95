package org.loyaltyengine.platform;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * OpenTelemetry for one engine (docs/observability.md). Vert.x itself makes the spans (HTTP server and clients,
 * event bus, PostgreSQL, Redis, Kafka) once its tracer is built from {@link #sdk}; this class only builds the SDK
 * (OTLP/HTTP exporter, parent-based ratio sampler, bounded batch queue) and carries a trace across the outbox:
 * {@link #traceparent} is stored with an outbox row, {@link #within} makes it current again when the relay sends
 * that row to Kafka, so the send joins the trace of the request that wrote it.
 */
public final class Telemetry {
  /** At most this many finished spans wait for export; more are dropped (and counted by the SDK), never queued. */
  private static final int MAX_QUEUED_SPANS = 8192;
  private static final TextMapGetter<String> TRACEPARENT = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(String carrier) {
      return List.of("traceparent");
    }

    @Override
    public String get(String carrier, String key) {
      return "traceparent".equals(key) ? carrier : null;
    }
  };

  private Telemetry() {
  }

  /**
   * Prometheus scrapes and health probes are not traced (nor is anything under them): they come every few
   * seconds from every scraper and orchestrator and would bury the traces of real requests. Vert.x sets
   * {@code url.path} before it starts a server span, so the sampler sees it.
   */
  static final class SkipProbes implements Sampler {
    private static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
    private final Sampler delegate;

    SkipProbes(Sampler delegate) {
      this.delegate = delegate;
    }

    @Override
    public SamplingResult shouldSample(Context parent, String traceId, String name, SpanKind kind, Attributes attributes,
                                       List<LinkData> links) {
      String path = kind == SpanKind.SERVER ? attributes.get(PATH) : null;
      if (path != null && (path.equals("/metrics") || path.startsWith("/health/"))) {
        return SamplingResult.drop();
      }
      return delegate.shouldSample(parent, traceId, name, kind, attributes, links);
    }

    @Override
    public String getDescription() {
      return "SkipProbes{" + delegate.getDescription() + "}";
    }
  }

  /** The SDK for an enabled tracing configuration; the caller closes it (which flushes the queued spans). */
  public static OpenTelemetrySdk sdk(AppConfig.Tracing tracing) {
    OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder()
        .setEndpoint(tracing.otlpEndpoint())
        .setTimeout(Duration.ofSeconds(10))
        .build();
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(
            Attributes.builder().put("service.name", tracing.serviceName()).build())))
        .setSampler(new SkipProbes(Sampler.parentBased(Sampler.traceIdRatioBased(tracing.samplingRatio()))))
        .addSpanProcessor(BatchSpanProcessor.builder(exporter).setMaxQueueSize(MAX_QUEUED_SPANS)
            .setScheduleDelay(Duration.ofMillis(500)).build())
        .build();
    return OpenTelemetrySdk.builder()
        .setTracerProvider(provider)
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .build();
  }

  /** Flushes and stops; bounded, so a collector that is down cannot hold up shutdown. */
  public static void close(OpenTelemetrySdk sdk) {
    sdk.getSdkTracerProvider().shutdown().join(5, TimeUnit.SECONDS);
  }

  /**
   * The W3C traceparent of the current span when it is sampled, else null: what the outbox stores so the relay's
   * publish can join the trace. Null whenever tracing is off (the current span is then the invalid one).
   */
  public static String traceparent() {
    SpanContext span = Span.current().getSpanContext();
    if (!span.isValid() || !span.isSampled()) {
      return null;
    }
    return "00-" + span.getTraceId() + "-" + span.getSpanId() + "-" + span.getTraceFlags().asHex();
  }

  /**
   * Runs asynchronous work inside the trace of {@code traceparent} (as is, when it is null or malformed): on a
   * fresh duplicate of the caller's Vert.x context, as Vert.x does for each HTTP request, so every query the work
   * makes, however late, is a span of that trace, and nothing outside the work is.
   */
  public static <T> Future<T> inTrace(Vertx vertx, String traceparent, Supplier<Future<T>> work) {
    Context parent = parent(traceparent);
    if (parent == null) {
      return work.get();
    }
    ContextInternal caller = (ContextInternal) vertx.getOrCreateContext();
    ContextInternal duplicate = caller.duplicate();
    Promise<T> done = caller.promise();
    duplicate.runOnContext(v -> {
      // Left attached: the duplicate exists for this work alone and is dropped with it.
      parent.makeCurrent();
      work.get().onComplete(done);
    });
    return done.future();
  }

  /** Runs {@code action} with the trace of {@code traceparent} current (as is, when it is null or malformed). */
  public static <T> T within(String traceparent, Supplier<T> action) {
    Context parent = parent(traceparent);
    if (parent == null) {
      return action.get();
    }
    try (Scope ignored = parent.makeCurrent()) {
      return action.get();
    }
  }

  private static Context parent(String traceparent) {
    if (traceparent == null) {
      return null;
    }
    Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), traceparent, TRACEPARENT);
    return Span.fromContext(parent).getSpanContext().isValid() ? parent : null;
  }
}
