package org.loyaltyengine.bench;

import io.vertx.core.AsyncResult;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import org.HdrHistogram.Histogram;
import org.loyaltyengine.seed.Baskets;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The open-loop load generator of scripts/bench.sh, for every workload: GETs (several {@code --url}s take
 * turns) or POSTs of a body built per request from a template. Request {@code i} is due at
 * {@code t0 + i / rate} whether or not earlier requests have answered, and its latency is recorded
 * (HdrHistogram, microseconds) from that intended time, so a stalled server or a late generator shows up as
 * latency, never in its favour (no coordinated omission).
 *
 * <pre>
 * java -cp target/test-classes:target/loyalty-engine.jar org.loyaltyengine.bench.OpenLoop \
 *   --url 'http://127.0.0.1:18080/v1/members/{id}/status' [--url ...] [--body TEMPLATE] [--ids members.csv] \
 *   [--header 'Authorization: Bearer KEY' ...] [--rate 2000] [--duration 30] [--warmup 5] [--connections 256] \
 *   [--event-loops 1] [--timeout-ms 10000] [--lines 5] [--batch-size 1000] [--event-share 20] [--prefix run]
 * </pre>
 *
 * Placeholders (in the URLs and the body, replaced verbatim):
 * <ul>
 *   <li>{@code {id}}: a random id from the first column of {@code --ids} (a CSV file with a header line);</li>
 *   <li>{@code {seq}}: a number unique within this process (pool opening and warm-up included);</li>
 *   <li>{@code {occurredAt}}: now minus up to 7 days, ISO-8601 UTC to the second;</li>
 *   <li>{@code {basket}}: the fields {@code "total":…,"channel":…,"items":[…]} of a purchase, drawn by
 *       {@link Baskets} (the seeder's generator) with {@code --lines} lines;</li>
 *   <li>{@code {events}}: a JSON array of {@code --batch-size} event-batch items, {@code --event-share} percent
 *       custom events ({@code app_login}), the rest purchases, with ids {@code <prefix>-t-<seq>-<i>} and
 *       {@code <prefix>-e-<seq>-<i>}.</li>
 * </ul>
 * Outcomes are counted by status ({@code 503} rejections apart) and by exception ({@code timeouts}: no
 * answer within {@code --timeout-ms}); the latency of 2xx answers and of 503 rejections is also kept apart,
 * for the overload workload. The last output line, {@code RESULT key=value ...}, is for scripts.
 */
public final class OpenLoop {
  private static final long MAX_TRACKABLE_US = TimeUnit.HOURS.toMicros(1);
  private static final long SPREAD_SECONDS = TimeUnit.DAYS.toSeconds(7);

  private OpenLoop() {}

  record Target(String host, int port, String uri) {}

  record Settings(List<Target> targets, HttpMethod method, String body, List<String> headers, String[] ids,
                  int lines, int batchSize, int eventShare, String prefix, double rate, int durationSeconds,
                  int warmupSeconds, int connections, int eventLoops, int timeoutMs) {}

  public static void main(String[] args) throws Exception {
    Settings settings;
    try {
      settings = parse(args);
    } catch (IllegalArgumentException | IOException e) {
      System.err.println("open-loop: " + e.getMessage());
      System.exit(2);
      return;
    }
    System.exit(run(settings));
  }

  static Settings parse(String[] args) throws IOException {
    List<String> urls = new ArrayList<>();
    String body = null;
    List<String> headers = new ArrayList<>();
    String[] ids = new String[0];
    int lines = Baskets.BENCH_LINES;
    int batchSize = 1000;
    int eventShare = 20;
    String prefix = "ol";
    double rate = 1000;
    int duration = 30;
    int warmup = 5;
    int connections = 256;
    int eventLoops = 1;
    int timeoutMs = 10_000;
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      String value = args[++i];
      switch (flag) {
        case "--url" -> urls.add(value);
        case "--body" -> body = value;
        case "--body-file" -> body = Files.readString(Path.of(value)).strip();
        case "--header" -> headers.add(value);
        case "--ids" -> ids = readIds(Path.of(value));
        case "--lines" -> lines = positive(flag, value);
        case "--batch-size" -> batchSize = positive(flag, value);
        case "--event-share" -> eventShare = nonNegative(flag, value);
        case "--prefix" -> prefix = value;
        case "--rate" -> rate = positiveRate(value);
        case "--duration" -> duration = positive(flag, value);
        case "--warmup" -> warmup = nonNegative(flag, value);
        case "--connections" -> connections = positive(flag, value);
        case "--event-loops" -> eventLoops = positive(flag, value);
        case "--timeout-ms" -> timeoutMs = positive(flag, value);
        default -> throw new IllegalArgumentException("unknown option " + flag);
      }
    }
    if (urls.isEmpty()) {
      throw new IllegalArgumentException("--url http://host:port/path is required");
    }
    List<Target> targets = new ArrayList<>();
    for (String url : urls) {
      targets.add(target(url));
    }
    boolean usesIds = (body != null && body.contains("{id}")) || urls.stream().anyMatch(u -> u.contains("{id}"));
    if (ids.length == 0 && (usesIds || (body != null && body.contains("{events}")))) {
      throw new IllegalArgumentException("the requests use member ids but --ids gave none");
    }
    if (connections < eventLoops) {
      throw new IllegalArgumentException("--connections must be at least --event-loops");
    }
    for (String h : headers) {
      if (h.indexOf(':') <= 0) {
        throw new IllegalArgumentException("--header must look like 'Name: value', got " + h);
      }
    }
    if (eventShare > 100) {
      throw new IllegalArgumentException("--event-share is a percentage, got " + eventShare);
    }
    return new Settings(List.copyOf(targets), body == null ? HttpMethod.GET : HttpMethod.POST, body,
        List.copyOf(headers), ids, lines, batchSize, eventShare, prefix, rate, duration, warmup, connections,
        eventLoops, timeoutMs);
  }

  private static Target target(String url) {
    if (!url.startsWith("http://")) {
      throw new IllegalArgumentException("--url must start with http://, got " + url);
    }
    int slash = url.indexOf('/', 7);
    String authority = slash < 0 ? url.substring(7) : url.substring(7, slash);
    String uri = slash < 0 ? "/" : url.substring(slash);
    int colon = authority.lastIndexOf(':');
    String host = colon < 0 ? authority : authority.substring(0, colon);
    int port = colon < 0 ? 80 : Integer.parseInt(authority.substring(colon + 1));
    return new Target(host, port, uri);
  }

  private static double positiveRate(String value) {
    try {
      double r = Double.parseDouble(value);
      if (r > 0 && r <= 1_000_000) {
        return r;
      }
    } catch (NumberFormatException ignored) {
      // falls through to the rejection
    }
    throw new IllegalArgumentException("--rate must be a number in (0, 1000000], got " + value);
  }

  private static int positive(String flag, String value) {
    int n = nonNegative(flag, value);
    if (n == 0) {
      throw new IllegalArgumentException(flag + " must be a positive integer, got " + value);
    }
    return n;
  }

  private static int nonNegative(String flag, String value) {
    try {
      int n = Integer.parseInt(value);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // falls through to the rejection
    }
    throw new IllegalArgumentException(flag + " must be a non-negative integer, got " + value);
  }

  private static String[] readIds(Path csv) throws IOException {
    try (var lines = Files.lines(csv)) {
      return lines.skip(1)
          .map(line -> {
            int comma = line.indexOf(',');
            return (comma < 0 ? line : line.substring(0, comma)).trim();
          })
          .filter(id -> !id.isEmpty())
          .toArray(String[]::new);
    }
  }

  /** Fills the placeholders of {@code template} for request number {@code seq}. */
  static String fill(Settings s, String template, long seq) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    String t = template;
    if (t.contains("{events}")) {
      t = t.replace("{events}", events(s, seq, random));
    }
    if (t.contains("{basket}")) {
      t = t.replace("{basket}", Baskets.basket(random, s.lines()).jsonFields());
    }
    if (t.contains("{occurredAt}")) {
      t = t.replace("{occurredAt}", occurredAt(random));
    }
    if (t.contains("{id}")) {
      t = t.replace("{id}", s.ids()[random.nextInt(s.ids().length)]);
    }
    return t.replace("{seq}", Long.toString(seq));
  }

  private static String occurredAt(ThreadLocalRandom random) {
    return Instant.now().minusSeconds(random.nextLong(SPREAD_SECONDS + 1)).truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private static String events(Settings s, long seq, ThreadLocalRandom random) {
    StringBuilder out = new StringBuilder(400 * s.batchSize()).append('[');
    for (int i = 0; i < s.batchSize(); i++) {
      String member = s.ids()[random.nextInt(s.ids().length)];
      out.append(i == 0 ? "" : ",");
      if (random.nextInt(100) < s.eventShare()) {
        out.append("{\"type\":\"event\",\"eventId\":\"").append(s.prefix()).append("-e-").append(seq).append('-')
            .append(i).append("\",\"memberExternalId\":\"").append(member)
            .append("\",\"eventType\":\"app_login\",\"occurredAt\":\"").append(occurredAt(random)).append("\"}");
      } else {
        out.append("{\"type\":\"transaction\",\"transactionId\":\"").append(s.prefix()).append("-t-").append(seq)
            .append('-').append(i).append("\",\"memberExternalId\":\"").append(member)
            .append("\",\"occurredAt\":\"").append(occurredAt(random)).append("\",\"currency\":\"EUR\",")
            .append(Baskets.basket(random, s.lines()).jsonFields()).append('}');
      }
    }
    return out.append(']').toString();
  }

  private static int run(Settings s) throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(s.eventLoops()));
    try {
      List<Worker> workers = new CopyOnWriteArrayList<>();
      AtomicInteger next = new AtomicInteger();
      vertx.deployVerticle(() -> {
        Worker w = new Worker(s, next.getAndIncrement());
        workers.add(w);
        return w;
      }, new DeploymentOptions().setInstances(s.eventLoops())).await();

      System.out.printf(Locale.ROOT, "open-loop: %s %.1f req/s for %d s (after %d s warm-up) over %d connections to %s%n",
          s.method(), s.rate(), s.durationSeconds(), s.warmupSeconds(), s.connections(),
          s.targets().stream().map(Target::uri).toList());
      try {
        Future.all(workers.stream().map(Worker::openPool).toList()).await();
      } catch (Exception e) {
        System.err.println("open-loop: cannot reach the server: " + e.getMessage());
        return 1;
      }
      if (s.warmupSeconds() > 0 && schedule(workers, s.warmupSeconds(), s) < 0) {
        return 1;
      }
      long cpuBefore = processCpuNanos();
      long t0 = schedule(workers, s.durationSeconds(), s);
      if (t0 < 0) {
        return 1;
      }
      report(s, workers, t0, processCpuNanos() - cpuBefore);
      return 0;
    } finally {
      vertx.close().await();
    }
  }

  private static long schedule(List<Worker> workers, int seconds, Settings s) throws Exception {
    long t0 = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
    long end = t0 + TimeUnit.SECONDS.toNanos(seconds);
    Future<?> all = Future.all(workers.stream().map(w -> w.run(t0, end)).toList());
    try {
      all.await(seconds + 2L * s.timeoutMs() / 1000 + 10, TimeUnit.SECONDS);
      return t0;
    } catch (TimeoutException e) {
      System.err.println("open-loop: requests still outstanding well after their timeouts; giving up");
      return -1;
    }
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static void report(Settings s, List<Worker> workers, long t0, long cpuNanos) {
    Histogram latency = new Histogram(MAX_TRACKABLE_US, 3);
    Histogram okLatency = new Histogram(MAX_TRACKABLE_US, 3);
    Histogram rejectedLatency = new Histogram(MAX_TRACKABLE_US, 3);
    Histogram lag = new Histogram(MAX_TRACKABLE_US, 3);
    Map<String, Long> outcomes = new TreeMap<>();
    long sent = 0;
    long ok = 0;
    long lastCompletion = t0;
    for (Worker w : workers) {
      latency.add(w.latency);
      okLatency.add(w.okLatency);
      rejectedLatency.add(w.rejectedLatency);
      lag.add(w.sendLag);
      w.outcomes.forEach((k, v) -> outcomes.merge(k, v, Long::sum));
      sent += w.sent;
      ok += w.ok;
      lastCompletion = Math.max(lastCompletion, w.lastCompletion);
    }
    double window = Math.max(s.durationSeconds(), (lastCompletion - t0) / 1e9);
    double cpuSeconds = cpuNanos / 1e9;
    long created = outcomes.getOrDefault("201", 0L) + outcomes.getOrDefault("202", 0L);
    long rejected = outcomes.getOrDefault("503", 0L);
    long timeouts = outcomes.entrySet().stream().filter(e -> e.getKey().contains("Timeout"))
        .mapToLong(Map.Entry::getValue).sum();
    System.out.printf(Locale.ROOT, "sent %d, achieved %.1f req/s, 2xx %.1f/s (target %.1f)%n", sent, sent / window,
        ok / window, s.rate());
    System.out.printf(Locale.ROOT, "latency from intended start (us): p50 %d p90 %d p99 %d p99.9 %d max %d%n",
        latency.getValueAtPercentile(50), latency.getValueAtPercentile(90), latency.getValueAtPercentile(99),
        latency.getValueAtPercentile(99.9), latency.getMaxValue());
    System.out.printf(Locale.ROOT, "served (us): p50 %d p90 %d p99 %d; rejected (us): p50 %d p90 %d p99 %d max %d%n",
        okLatency.getValueAtPercentile(50), okLatency.getValueAtPercentile(90), okLatency.getValueAtPercentile(99),
        rejectedLatency.getValueAtPercentile(50), rejectedLatency.getValueAtPercentile(90),
        rejectedLatency.getValueAtPercentile(99), rejectedLatency.getMaxValue());
    System.out.printf(Locale.ROOT, "outcomes %s%n", outcomes);
    System.out.printf(Locale.ROOT,
        "RESULT target_rps=%.1f achieved_rps=%.1f ok_rps=%.1f sent=%d ok=%d errors=%d created=%d rejected=%d "
            + "timeouts=%d p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d ok_p99_us=%d rejected_p99_us=%d "
            + "lag_p99_us=%d lag_max_us=%d cpu_s=%.2f%n",
        s.rate(), sent / window, ok / window, sent, ok, sent - ok, created, rejected, timeouts,
        latency.getValueAtPercentile(50), latency.getValueAtPercentile(90), latency.getValueAtPercentile(99),
        latency.getValueAtPercentile(99.9), latency.getMaxValue(), okLatency.getValueAtPercentile(99),
        rejectedLatency.getValueAtPercentile(99), lag.getValueAtPercentile(99), lag.getMaxValue(), cpuSeconds);
  }

  /** Sends every {@code workers}-th request of the schedule from one event loop; state is confined to it. */
  private static final class Worker extends VerticleBase {
    private final Settings s;
    private final int index;
    private final double periodNanos;
    private final int connections;
    private final Histogram latency = new Histogram(MAX_TRACKABLE_US, 3);
    private final Histogram okLatency = new Histogram(MAX_TRACKABLE_US, 3);
    private final Histogram rejectedLatency = new Histogram(MAX_TRACKABLE_US, 3);
    private final Histogram sendLag = new Histogram(MAX_TRACKABLE_US, 3);
    private final Map<String, Long> outcomes = new TreeMap<>();
    private final MultiMap headers = MultiMap.caseInsensitiveMultiMap();

    private HttpClient client;
    private long t0;
    private long end;
    private long nextSlot;
    private long timerId;
    private boolean scheduling;
    private long sent;
    private long completed;
    private long ok;
    private long lastCompletion;
    /** Never reset: ids stay unique across pool opening, warm-up and measurement. */
    private long requests;
    private Promise<Void> done;

    Worker(Settings s, int index) {
      this.s = s;
      this.index = index;
      this.periodNanos = 1e9 / s.rate();
      this.connections = s.connections() / s.eventLoops() + (index < s.connections() % s.eventLoops() ? 1 : 0);
      for (String h : s.headers()) {
        int colon = h.indexOf(':');
        headers.add(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
      }
      if (s.body() != null) {
        headers.set("Content-Type", "application/json");
      }
    }

    @Override
    public Future<?> start() {
      client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setPipelining(false),
          new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1));
      return Future.succeededFuture();
    }

    /** One concurrent request per pooled connection, so connection set-up is not timed. */
    Future<Void> openPool() {
      return onContext(() -> {
        List<Future<Integer>> calls = new ArrayList<>(connections);
        for (int i = 0; i < connections; i++) {
          calls.add(call());
        }
        // An overloaded server may time out some of these; only a server that answers none is unreachable.
        return Future.join(calls).transform(ar -> calls.stream().anyMatch(Future::succeeded)
            ? Future.<Void>succeededFuture()
            : Future.<Void>failedFuture(calls.get(0).cause()));
      });
    }

    Future<Void> run(long t0, long end) {
      return onContext(() -> {
        this.t0 = t0;
        this.end = end;
        latency.reset();
        okLatency.reset();
        rejectedLatency.reset();
        sendLag.reset();
        outcomes.clear();
        nextSlot = 0;
        sent = 0;
        completed = 0;
        ok = 0;
        done = Promise.promise();
        scheduling = true;
        timerId = vertx.setPeriodic(1, id -> tick());
        return done.future();
      });
    }

    private void tick() {
      long now = System.nanoTime();
      while (scheduling) {
        long slot = nextSlot * s.eventLoops() + index;
        long intended = t0 + (long) (slot * periodNanos);
        if (intended >= end) {
          scheduling = false;
          vertx.cancelTimer(timerId);
          finishIfDrained();
        } else if (intended <= now) {
          nextSlot++;
          sent++;
          sendLag.recordValue(Math.min(MAX_TRACKABLE_US, (now - intended) / 1000));
          call().onComplete(ar -> recordOutcome(intended, ar));
        } else {
          return;
        }
      }
    }

    private Future<Integer> call() {
      long seq = requests++ * s.eventLoops() + index;
      Target target = s.targets().get((int) (seq % s.targets().size()));
      RequestOptions options = new RequestOptions()
          .setMethod(s.method())
          .setHost(target.host())
          .setPort(target.port())
          .setURI(fill(s, target.uri(), seq))
          .setHeaders(headers)
          .setConnectTimeout(s.timeoutMs()) // includes waiting for a pooled connection
          .setIdleTimeout(s.timeoutMs());
      Future<io.vertx.core.http.HttpClientResponse> sent = s.body() == null
          ? client.request(options).compose(request -> request.send())
          : client.request(options).compose(request -> request.send(Buffer.buffer(fill(s, s.body(), seq))));
      return sent.compose(response -> response.body().map(b -> response.statusCode()));
    }

    private void recordOutcome(long intended, AsyncResult<Integer> ar) {
      long now = System.nanoTime();
      long us = Math.min(MAX_TRACKABLE_US, (now - intended) / 1000);
      latency.recordValue(us);
      completed++;
      lastCompletion = now;
      String outcome = ar.succeeded() ? String.valueOf(ar.result()) : ar.cause().getClass().getSimpleName();
      outcomes.merge(outcome, 1L, Long::sum);
      if (ar.succeeded() && ar.result() / 100 == 2) {
        ok++;
        okLatency.recordValue(us);
      } else if (ar.succeeded() && ar.result() == 503) {
        rejectedLatency.recordValue(us);
      }
      finishIfDrained();
    }

    private void finishIfDrained() {
      if (!scheduling && completed == sent) {
        done.tryComplete();
      }
    }

    private <T> Future<T> onContext(Supplier<Future<T>> action) {
      Promise<T> promise = Promise.promise();
      context.runOnContext(v -> action.get().onComplete(promise));
      return promise.future();
    }
  }
}
