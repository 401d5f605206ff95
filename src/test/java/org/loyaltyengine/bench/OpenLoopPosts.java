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
 * Open-loop generator for writes: the sibling of {@link OpenLoopLoad} (same schedule, same latency
 * accounting, same {@code RESULT} line) that POSTs a JSON body built for every request from a template.
 * Request {@code i} is due at {@code t0 + i / rate} whether or not earlier requests have answered, and its
 * latency is measured from that intended start, so a stalled server shows up as latency (no coordinated
 * omission).
 *
 * <pre>
 * java -cp target/test-classes:target/loyalty-engine.jar org.loyaltyengine.bench.OpenLoopPosts \
 *   --url http://127.0.0.1:18080/v1/transactions --body-file purchase.json --ids members.csv \
 *   [--header 'Authorization: Bearer KEY' ...] [--lines 5] [--spread-seconds 604800] \
 *   [--rate 2000] [--duration 30] [--warmup 5] [--connections 256] [--event-loops 1] [--timeout-ms 10000]
 * </pre>
 *
 * Placeholders in the body template (replaced verbatim, each may appear any number of times):
 * <ul>
 *   <li>{@code {id}}: a random id from the first column of {@code --ids} (a CSV file with a header line);</li>
 *   <li>{@code {seq}}: a number unique within this process (warm-up and pool opening included), so a
 *       template such as {@code "transactionId": "run-42-{seq}"} never repeats an idempotency key;</li>
 *   <li>{@code {occurredAt}}: now minus a random 0..{@code --spread-seconds}, ISO-8601 UTC to the second;</li>
 *   <li>{@code {items}} and {@code {total}}: a random basket of {@code --lines} lines and the sum of its line
 *       amounts, drawn like the seeder's purchases: sku {@code SKU-100..SKU-999}, category
 *       {@code grocery, beverages, household, personal-care, electronics, clothing} by sku, quantity 1-3,
 *       unit price 1.99-99.99 (amount = quantity x unit price, minor units);</li>
 *   <li>{@code {channel}}: a JSON fragment, three times in four {@code "channel":"store","storeId":"store-N"}
 *       (N = 1..50), otherwise {@code "channel":"online"}.</li>
 * </ul>
 * Only 2xx answers count as successes; the outcome counts by status are printed (so 200 replays could be
 * told from 201 creations). The last output line is {@code RESULT key=value ...} for scripts.
 */
public final class OpenLoopPosts {
  private static final long MAX_TRACKABLE_US = TimeUnit.HOURS.toMicros(1);
  private static final String[] CATEGORIES = {
      "grocery", "beverages", "household", "personal-care", "electronics", "clothing"};

  private OpenLoopPosts() {}

  record Settings(String host, int port, String uri, String body, List<String> headers, String[] ids, int lines,
                  long spreadSeconds, int rate, int durationSeconds, int warmupSeconds, int connections,
                  int eventLoops, int timeoutMs) {}

  public static void main(String[] args) throws Exception {
    Settings settings;
    try {
      settings = parse(args);
    } catch (IllegalArgumentException | IOException e) {
      System.err.println("open-loop-posts: " + e.getMessage());
      System.exit(2);
      return;
    }
    System.exit(run(settings));
  }

  private static Settings parse(String[] args) throws IOException {
    String url = null;
    String body = null;
    List<String> headers = new ArrayList<>();
    String[] ids = new String[0];
    int lines = 5;
    long spread = TimeUnit.DAYS.toSeconds(7);
    int rate = 2000;
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
        case "--url" -> url = value;
        case "--body" -> body = value;
        case "--body-file" -> body = Files.readString(Path.of(value)).strip();
        case "--header" -> headers.add(value);
        case "--ids" -> ids = readIds(Path.of(value));
        case "--lines" -> lines = positive(flag, value);
        case "--spread-seconds" -> spread = nonNegative(flag, value);
        case "--rate" -> rate = positive(flag, value);
        case "--duration" -> duration = positive(flag, value);
        case "--warmup" -> warmup = nonNegative(flag, value);
        case "--connections" -> connections = positive(flag, value);
        case "--event-loops" -> eventLoops = positive(flag, value);
        case "--timeout-ms" -> timeoutMs = positive(flag, value);
        default -> throw new IllegalArgumentException("unknown option " + flag);
      }
    }
    if (url == null || !url.startsWith("http://")) {
      throw new IllegalArgumentException("--url http://host:port/path is required");
    }
    if (body == null) {
      throw new IllegalArgumentException("--body or --body-file is required");
    }
    if (ids.length == 0 && body.contains("{id}")) {
      throw new IllegalArgumentException("the body contains {id} but --ids gave no ids");
    }
    if (connections < eventLoops) {
      throw new IllegalArgumentException("--connections must be at least --event-loops");
    }
    for (String h : headers) {
      if (h.indexOf(':') <= 0) {
        throw new IllegalArgumentException("--header must look like 'Name: value', got " + h);
      }
    }
    int slash = url.indexOf('/', 7);
    String authority = slash < 0 ? url.substring(7) : url.substring(7, slash);
    String uri = slash < 0 ? "/" : url.substring(slash);
    int colon = authority.lastIndexOf(':');
    String host = colon < 0 ? authority : authority.substring(0, colon);
    int port = colon < 0 ? 80 : Integer.parseInt(authority.substring(colon + 1));
    return new Settings(host, port, uri, body, List.copyOf(headers), ids, lines, spread, rate, duration, warmup,
        connections, eventLoops, timeoutMs);
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

  /** The body of one request; {@code seq} is unique within the process. */
  static String body(Settings s, long seq) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    String t = s.body();
    if (t.contains("{items}") || t.contains("{total}")) {
      StringBuilder items = new StringBuilder(64 * s.lines()).append('[');
      long total = 0;
      for (int i = 0; i < s.lines(); i++) {
        int sku = 100 + random.nextInt(900);
        int quantity = 1 + random.nextInt(3);
        long amount = quantity * random.nextLong(199, 10_000);
        total += amount;
        if (i > 0) {
          items.append(',');
        }
        items.append("{\"sku\":\"SKU-").append(sku).append("\",\"category\":\"")
            .append(CATEGORIES[sku % CATEGORIES.length]).append("\",\"quantity\":").append(quantity)
            .append(",\"amount\":").append(amount).append('}');
      }
      t = t.replace("{items}", items.append(']')).replace("{total}", Long.toString(total));
    }
    if (t.contains("{occurredAt}")) {
      Instant at = Instant.now().minusSeconds(s.spreadSeconds() == 0 ? 0 : random.nextLong(s.spreadSeconds() + 1))
          .truncatedTo(ChronoUnit.SECONDS);
      t = t.replace("{occurredAt}", at.toString());
    }
    if (t.contains("{channel}")) {
      t = t.replace("{channel}", random.nextInt(4) != 0
          ? "\"channel\":\"store\",\"storeId\":\"store-" + (1 + random.nextInt(50)) + "\""
          : "\"channel\":\"online\"");
    }
    if (t.contains("{id}")) {
      t = t.replace("{id}", s.ids()[random.nextInt(s.ids().length)]);
    }
    return t.replace("{seq}", Long.toString(seq));
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

      System.out.printf(Locale.ROOT,
          "open-loop-posts: %d req/s for %d s (after %d s warm-up) over %d connections to %s, %d ids%n",
          s.rate(), s.durationSeconds(), s.warmupSeconds(), s.connections(), s.uri(), s.ids().length);
      try {
        Future.all(workers.stream().map(Worker::openPool).toList()).await();
      } catch (Exception e) {
        System.err.println("open-loop-posts: cannot reach the server: " + e.getMessage());
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
      System.err.println("open-loop-posts: requests still outstanding well after their timeouts; giving up");
      return -1;
    }
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static void report(Settings s, List<Worker> workers, long t0, long cpuNanos) {
    Histogram latency = new Histogram(MAX_TRACKABLE_US, 3);
    Histogram lag = new Histogram(MAX_TRACKABLE_US, 3);
    Map<String, Long> outcomes = new TreeMap<>();
    long sent = 0;
    long ok = 0;
    long lastCompletion = t0;
    for (Worker w : workers) {
      latency.add(w.latency);
      lag.add(w.sendLag);
      w.outcomes.forEach((k, v) -> outcomes.merge(k, v, Long::sum));
      sent += w.sent;
      ok += w.ok;
      lastCompletion = Math.max(lastCompletion, w.lastCompletion);
    }
    long errors = sent - ok;
    double window = Math.max(s.durationSeconds(), (lastCompletion - t0) / 1e9);
    double achieved = sent / window;
    double okRate = ok / window;
    double cpuSeconds = cpuNanos / 1e9;
    long created = outcomes.getOrDefault("201", 0L);
    System.out.printf(Locale.ROOT, "completed %d, achieved %.1f req/s, of which 2xx %.1f/s (target %d)%n", sent,
        achieved, okRate, s.rate());
    System.out.printf(Locale.ROOT,
        "latency from intended start (us): p50 %d  p90 %d  p99 %d  p99.9 %d  max %d%n",
        latency.getValueAtPercentile(50), latency.getValueAtPercentile(90), latency.getValueAtPercentile(99),
        latency.getValueAtPercentile(99.9), latency.getMaxValue());
    System.out.printf(Locale.ROOT, "errors %d (non-2xx responses and exceptions); outcomes %s%n", errors, outcomes);
    System.out.printf(Locale.ROOT, "generator: send lag p99 %d us, max %d us; CPU %.1f s (%.0f%% of one core)%n",
        lag.getValueAtPercentile(99), lag.getMaxValue(), cpuSeconds, 100 * cpuSeconds / window);
    System.out.printf(Locale.ROOT,
        "RESULT target_rps=%d achieved_rps=%.1f ok_rps=%.1f sent=%d errors=%d created=%d p50_us=%d p90_us=%d "
            + "p99_us=%d p999_us=%d max_us=%d lag_p99_us=%d lag_max_us=%d cpu_s=%.2f%n",
        s.rate(), achieved, okRate, sent, errors, created, latency.getValueAtPercentile(50),
        latency.getValueAtPercentile(90), latency.getValueAtPercentile(99), latency.getValueAtPercentile(99.9),
        latency.getMaxValue(), lag.getValueAtPercentile(99), lag.getMaxValue(), cpuSeconds);
  }

  /** Sends every {@code workers}-th request of the schedule from one event loop; state is confined to it. */
  private static final class Worker extends VerticleBase {
    private final Settings s;
    private final int index;
    private final double periodNanos;
    private final int connections;
    private final Histogram latency = new Histogram(MAX_TRACKABLE_US, 3);
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
    private long bodies;
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
      headers.set("Content-Type", "application/json");
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
        return Future.all(calls).mapEmpty();
      });
    }

    Future<Void> run(long t0, long end) {
      return onContext(() -> {
        this.t0 = t0;
        this.end = end;
        latency.reset();
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
      long seq = bodies++ * s.eventLoops() + index;
      Buffer body = Buffer.buffer(OpenLoopPosts.body(s, seq));
      RequestOptions options = new RequestOptions()
          .setMethod(HttpMethod.POST)
          .setHost(s.host())
          .setPort(s.port())
          .setURI(s.uri())
          .setHeaders(headers)
          .setConnectTimeout(s.timeoutMs()) // includes waiting for a pooled connection
          .setIdleTimeout(s.timeoutMs());
      return client.request(options)
          .compose(request -> request.send(body))
          .compose(response -> response.body().map(b -> response.statusCode()));
    }

    private void recordOutcome(long intended, AsyncResult<Integer> ar) {
      long now = System.nanoTime();
      latency.recordValue(Math.min(MAX_TRACKABLE_US, (now - intended) / 1000));
      completed++;
      lastCompletion = now;
      String outcome = ar.succeeded() ? String.valueOf(ar.result()) : ar.cause().getClass().getSimpleName();
      outcomes.merge(outcome, 1L, Long::sum);
      if (ar.succeeded() && ar.result() / 100 == 2) {
        ok++;
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
