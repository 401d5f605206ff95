package org.loyaltyengine.bench;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Open-loop load for asynchronous ingestion: POSTs batches to {@code /v1/event-batches} at a fixed event
 * rate (batch {@code i} is due at {@code t0 + i * batchSize / rate}, whether or not earlier ones answered),
 * then follows every accepted batch with {@code GET /v1/event-batches/{id}} until it is done.
 *
 * <pre>
 * java -cp target/test-classes:target/loyalty-engine.jar org.loyaltyengine.bench.OpenLoopBatches \
 *   --base http://127.0.0.1:18096 --ids members.csv --header 'Authorization: Bearer KEY' --prefix run1 \
 *   [--rate 20000] [--batch-size 1000] [--duration 30] [--connections 16] [--event-share 20] [--lines 5] \
 *   [--poll-ms 100] [--drain-seconds 120] [--timeout-ms 30000]
 * </pre>
 *
 * Items: {@code --event-share} percent are custom events ({@code app_login}, no attributes), the rest purchases
 * drawn like {@link OpenLoopPosts}' ({@code --lines} lines, three in four in a store, up to 7 days back), each
 * for a random member of {@code --ids}; ids are {@code <prefix>-t-N} / {@code <prefix>-e-N}, batch ids
 * {@code <prefix>-b-N}, so nothing repeats across runs and the database can find a run's items afterwards.
 *
 * <p>Measured: the POST latency from each batch's intended send time (so a slow intake shows, no coordinated
 * omission), the accepted event rate, and per batch the end-to-end lag from its 202 to the first poll that
 * saw it done, which is at most {@code --poll-ms} late. The last line is {@code RESULT key=value ...}.
 */
public final class OpenLoopBatches {
  private static final long MAX_TRACKABLE_US = TimeUnit.HOURS.toMicros(1);

  private OpenLoopBatches() {}

  record Settings(String host, int port, List<String> headers, String[] ids, String prefix, int rate, int batchSize,
                  int durationSeconds, int connections, int eventShare, int lines, int pollMs, int drainSeconds,
                  int timeoutMs) {}

  public static void main(String[] args) throws Exception {
    Settings s;
    try {
      s = parse(args);
    } catch (IllegalArgumentException | IOException e) {
      System.err.println("open-loop-batches: " + e.getMessage());
      System.exit(2);
      return;
    }
    System.exit(run(s));
  }

  private static Settings parse(String[] args) throws IOException {
    Map<String, String> o = new LinkedHashMap<>();
    List<String> headers = new ArrayList<>();
    for (int i = 0; i < args.length; i += 2) {
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(args[i] + " needs a value");
      }
      if (args[i].equals("--header")) {
        headers.add(args[i + 1]);
      } else {
        o.put(args[i], args[i + 1]);
      }
    }
    String base = o.remove("--base");
    String ids = o.remove("--ids");
    String prefix = o.remove("--prefix");
    if (base == null || !base.startsWith("http://") || ids == null || prefix == null) {
      throw new IllegalArgumentException("--base http://host:port, --ids and --prefix are required");
    }
    String authority = base.substring(7).replaceAll("/.*", "");
    int colon = authority.lastIndexOf(':');
    Settings s = new Settings(colon < 0 ? authority : authority.substring(0, colon),
        colon < 0 ? 80 : Integer.parseInt(authority.substring(colon + 1)), List.copyOf(headers), readIds(Path.of(ids)),
        prefix, number(o, "--rate", 20_000), number(o, "--batch-size", 1_000), number(o, "--duration", 30),
        number(o, "--connections", 16), number(o, "--event-share", 20), number(o, "--lines", 5),
        number(o, "--poll-ms", 100), number(o, "--drain-seconds", 120), number(o, "--timeout-ms", 30_000));
    if (!o.isEmpty()) {
      throw new IllegalArgumentException("unknown options " + o.keySet());
    }
    if (s.ids().length == 0 || s.batchSize() > 1_000 || s.eventShare() > 100) {
      throw new IllegalArgumentException("--ids must list members; --batch-size at most 1000; --event-share 0-100");
    }
    return s;
  }

  private static int number(Map<String, String> o, String flag, int otherwise) {
    String v = o.remove(flag);
    if (v == null) {
      return otherwise;
    }
    int n = Integer.parseInt(v);
    if (n < 1 && !flag.equals("--event-share")) {
      throw new IllegalArgumentException(flag + " must be positive");
    }
    return n;
  }

  private static String[] readIds(Path csv) throws IOException {
    try (var lines = Files.lines(csv)) {
      return lines.skip(1).map(l -> l.contains(",") ? l.substring(0, l.indexOf(',')) : l).map(String::trim)
          .filter(id -> !id.isEmpty()).toArray(String[]::new);
    }
  }

  /** One batch of the run: when it was due, answered, and seen done (System.nanoTime), and how it ended. */
  private static final class Batch {
    final int number;
    final long intended;
    long accepted;
    long done;
    int status;
    String failure;

    Batch(int number, long intended) {
      this.number = number;
      this.intended = intended;
    }
  }

  private static int run(Settings s) throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    try {
      Promise<List<Batch>> finished = Promise.promise();
      long cpuBefore = processCpuNanos();
      vertx.runOnContext(v -> new Run(vertx, s, finished).start());
      long bound = s.durationSeconds() + s.drainSeconds() + 2L * s.timeoutMs() / 1000 + 30;
      List<Batch> batches = finished.future().await(bound, TimeUnit.SECONDS);
      report(s, batches, processCpuNanos() - cpuBefore);
      return 0;
    } finally {
      vertx.close().await();
    }
  }

  /** Everything runs on the one event loop: no locking. */
  private static final class Run {
    private final Vertx vertx;
    private final Settings s;
    private final Promise<List<Batch>> finished;
    private final HttpClient client;
    private final MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    private final OpenLoopPosts.Settings basket;
    private final List<Batch> batches = new ArrayList<>();
    private final List<Batch> following = new ArrayList<>();
    private long t0;
    private long end;
    private long drainEnd;
    private int next;
    private int answered;
    private long items;
    private boolean polling;

    Run(Vertx vertx, Settings s, Promise<List<Batch>> finished) {
      this.vertx = vertx;
      this.s = s;
      this.finished = finished;
      this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
          new PoolOptions().setHttp1MaxSize(s.connections()).setMaxWaitQueueSize(-1));
      s.headers().forEach(h -> headers.add(h.substring(0, h.indexOf(':')).trim(), h.substring(h.indexOf(':') + 1).trim()));
      headers.set("Content-Type", "application/json");
      // Purchases drawn by OpenLoopPosts' own generator, from this template.
      this.basket = new OpenLoopPosts.Settings(s.host(), s.port(), "/", "{\"type\":\"transaction\",\"transactionId\":\""
          + s.prefix() + "-t-{seq}\",\"memberExternalId\":\"{id}\",\"occurredAt\":\"{occurredAt}\",\"total\":{total},"
          + "\"currency\":\"EUR\",{channel},\"items\":{items}}", List.of(), s.ids(), s.lines(), TimeUnit.DAYS.toSeconds(7),
          1, 1, 0, 1, 1, s.timeoutMs());
    }

    void start() {
      t0 = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
      end = t0 + TimeUnit.SECONDS.toNanos(s.durationSeconds());
      drainEnd = end + TimeUnit.SECONDS.toNanos(s.drainSeconds());
      vertx.setPeriodic(1, id -> {
        if (!tick()) {
          vertx.cancelTimer(id);
        }
      });
      vertx.setPeriodic(s.pollMs(), id -> {
        if (!poll()) {
          vertx.cancelTimer(id);
        }
      });
    }

    private long due(int i) {
      return t0 + (long) (i * (double) s.batchSize() * 1e9 / s.rate());
    }

    /** Sends what has fallen due; false once the schedule is over. */
    private boolean tick() {
      long now = System.nanoTime();
      while (due(next) <= now && due(next) < end) {
        Batch b = new Batch(next, due(next));
        batches.add(b);
        next++;
        send(b);
      }
      return due(next) < end;
    }

    private void send(Batch b) {
      String body = body(b.number);
      RequestOptions post = new RequestOptions().setMethod(HttpMethod.POST).setHost(s.host()).setPort(s.port())
          .setURI("/v1/event-batches").setHeaders(headers).setConnectTimeout(s.timeoutMs()).setIdleTimeout(s.timeoutMs());
      client.request(post).compose(r -> r.send(Buffer.buffer(body)))
          .compose(r -> r.body().map(x -> r.statusCode()))
          .onComplete(ar -> {
            b.accepted = System.nanoTime();
            answered++;
            if (ar.succeeded()) {
              b.status = ar.result();
              if (b.status == 202) {
                items += s.batchSize();
                following.add(b);
              }
            } else {
              b.failure = ar.cause().getClass().getSimpleName();
            }
          });
    }

    private String body(int number) {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      StringBuilder out = new StringBuilder(600 * s.batchSize()).append("{\"batchId\":\"").append(s.prefix())
          .append("-b-").append(number).append("\",\"items\":[");
      for (int i = 0; i < s.batchSize(); i++) {
        long seq = (long) number * s.batchSize() + i;
        if (i > 0) {
          out.append(',');
        }
        if (random.nextInt(100) < s.eventShare()) {
          String at = Instant.now().minusSeconds(random.nextLong(TimeUnit.DAYS.toSeconds(7)))
              .truncatedTo(ChronoUnit.SECONDS).toString();
          out.append("{\"type\":\"event\",\"eventId\":\"").append(s.prefix()).append("-e-").append(seq)
              .append("\",\"memberExternalId\":\"").append(s.ids()[random.nextInt(s.ids().length)])
              .append("\",\"eventType\":\"app_login\",\"occurredAt\":\"").append(at).append("\"}");
        } else {
          out.append(OpenLoopPosts.body(basket, seq));
        }
      }
      return out.append("]}").toString();
    }

    /** Follows the accepted batches not yet done; false once everything is settled or the drain ran out. */
    private boolean poll() {
      long now = System.nanoTime();
      boolean sending = next == 0 || due(next) < end;
      if (!sending && answered == batches.size() && (following.isEmpty() || now > drainEnd)) {
        finished.tryComplete(batches);
        return false;
      }
      if (polling || following.isEmpty()) {
        return true;
      }
      polling = true;
      List<Future<Void>> calls = new ArrayList<>();
      for (Batch b : List.copyOf(following)) {
        RequestOptions get = new RequestOptions().setMethod(HttpMethod.GET).setHost(s.host()).setPort(s.port())
            .setURI("/v1/event-batches/" + s.prefix() + "-b-" + b.number).setHeaders(headers)
            .setConnectTimeout(s.timeoutMs()).setIdleTimeout(s.timeoutMs());
        calls.add(client.request(get).compose(r -> r.send()).compose(r -> r.body()).map(body -> {
          if ("done".equals(new JsonObject(body).getString("status"))) {
            b.done = System.nanoTime();
            following.remove(b);
          }
          return (Void) null;
        }).otherwise((Void) null));
      }
      Future.join(calls).onComplete(ar -> polling = false);
      return true;
    }
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private static void report(Settings s, List<Batch> batches, long cpuNanos) {
    Histogram post = new Histogram(MAX_TRACKABLE_US, 3);
    Histogram lag = new Histogram(MAX_TRACKABLE_US, 3);
    Histogram dueToDone = new Histogram(MAX_TRACKABLE_US, 3);
    Map<String, Integer> outcomes = new TreeMap<>();
    long first = Long.MAX_VALUE;
    long lastAccepted = 0;
    long lastDone = 0;
    int accepted = 0;
    int done = 0;
    for (Batch b : batches) {
      first = Math.min(first, b.intended);
      post.recordValue(Math.min(MAX_TRACKABLE_US, Math.max(0, b.accepted - b.intended) / 1000));
      outcomes.merge(b.failure != null ? b.failure : String.valueOf(b.status), 1, Integer::sum);
      if (b.status == 202) {
        accepted++;
        lastAccepted = Math.max(lastAccepted, b.accepted);
        if (b.done > 0) {
          done++;
          lastDone = Math.max(lastDone, b.done);
          lag.recordValue(Math.min(MAX_TRACKABLE_US, (b.done - b.accepted) / 1000));
          dueToDone.recordValue(Math.min(MAX_TRACKABLE_US, (b.done - b.intended) / 1000));
        }
      }
    }
    double acceptWindow = Math.max(s.durationSeconds(), (lastAccepted - first) / 1e9);
    double doneWindow = lastDone == 0 ? 0 : (lastDone - first) / 1e9;
    long acceptedItems = (long) accepted * s.batchSize();
    long doneItems = (long) done * s.batchSize();
    System.out.printf(Locale.ROOT, "open-loop-batches: %d batches of %d at %d events/s for %d s; outcomes %s%n",
        batches.size(), s.batchSize(), s.rate(), s.durationSeconds(), outcomes);
    System.out.printf(Locale.ROOT, "accepted %d events, %.0f events/s; POST from intended start (ms): p50 %.1f p99 %.1f max %.1f%n",
        acceptedItems, acceptedItems / acceptWindow, post.getValueAtPercentile(50) / 1e3, post.getValueAtPercentile(99) / 1e3,
        post.getMaxValue() / 1e3);
    System.out.printf(Locale.ROOT, "done %d of %d batches; first due -> last done %.1f s = %.0f events/s; "
            + "202 -> done seen (ms): p50 %.0f p99 %.0f max %.0f%n", done, accepted, doneWindow,
        doneWindow > 0 ? doneItems / doneWindow : 0, lag.getValueAtPercentile(50) / 1e3, lag.getValueAtPercentile(99) / 1e3,
        lag.getMaxValue() / 1e3);
    System.out.printf(Locale.ROOT,
        "RESULT batches=%d accepted_batches=%d done_batches=%d accepted_events=%d accepted_eps=%.1f done_eps=%.1f "
            + "post_p50_ms=%.1f post_p99_ms=%.1f lag_p50_ms=%.1f lag_p99_ms=%.1f lag_max_ms=%.1f due_to_done_p99_ms=%.1f "
            + "errors=%d cpu_s=%.1f%n",
        batches.size(), accepted, done, acceptedItems, acceptedItems / acceptWindow,
        doneWindow > 0 ? doneItems / doneWindow : 0, post.getValueAtPercentile(50) / 1e3,
        post.getValueAtPercentile(99) / 1e3, lag.getValueAtPercentile(50) / 1e3, lag.getValueAtPercentile(99) / 1e3,
        lag.getMaxValue() / 1e3, dueToDone.getValueAtPercentile(99) / 1e3, batches.size() - accepted, cpuNanos / 1e9);
  }
}
