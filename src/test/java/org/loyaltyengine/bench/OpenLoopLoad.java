package org.loyaltyengine.bench;

import io.vertx.core.AsyncResult;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
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
 * Open-loop HTTP load generator. Request {@code i} is due at {@code t0 + i / rate} whether or not earlier
 * requests have answered, and its latency is measured from that intended start, not from when it was
 * actually sent. A stalled server (or a full connection pool) therefore shows up as latency instead of as
 * a quietly lower offered load, the coordinated omission that closed-loop tools like wrk suffer from.
 *
 * <pre>
 * java -cp target/test-classes:target/loyalty-engine.jar org.loyaltyengine.bench.OpenLoopLoad \
 *   --url 'http://127.0.0.1:18080/v1/members/{id}/status' [--url ...] \
 *   [--ids members.csv] [--header 'Authorization: Bearer KEY' ...] \
 *   [--rate 6000] [--duration 30] [--warmup 5] [--connections 256] [--event-loops 1] [--timeout-ms 10000]
 * </pre>
 *
 * Every {@code --url} is one operation; they take turns, so each gets an equal share. {@code {id}} in a
 * URL is replaced (verbatim, not encoded) by a random id from the first column of {@code --ids}, a CSV file
 * with a header line. Requests are GETs over HTTP/1.1 keep-alive connections from a bounded pool; the pool
 * is opened before the clock starts. Failed requests count as errors and their time to failure is
 * recorded like any other latency. {@code --warmup} seconds of the same schedule run first, unrecorded,
 * so the generator's own JIT compilation does not delay measured requests. The last output line is
 * {@code RESULT key=value ...} for scripts.
 */
public final class OpenLoopLoad {
  /** Latencies are recorded in microseconds; anything beyond an hour is clamped (and is a failure anyway). */
  private static final long MAX_TRACKABLE_US = TimeUnit.HOURS.toMicros(1);

  private OpenLoopLoad() {}

  record Settings(List<UrlTemplate> urls, List<String> headers, String[] ids, int rate, int durationSeconds,
                  int warmupSeconds, int connections, int eventLoops, int timeoutMs) {}

  /** {@code http://host:port/path} with an optional {@code {id}} placeholder in the path. */
  record UrlTemplate(String host, int port, String before, String after) {
    static UrlTemplate parse(String url) {
      if (!url.startsWith("http://")) {
        throw new IllegalArgumentException("only http:// URLs are supported: " + url);
      }
      int slash = url.indexOf('/', 7);
      String authority = slash < 0 ? url.substring(7) : url.substring(7, slash);
      String path = slash < 0 ? "/" : url.substring(slash);
      int colon = authority.lastIndexOf(':');
      String host = colon < 0 ? authority : authority.substring(0, colon);
      int port = colon < 0 ? 80 : Integer.parseInt(authority.substring(colon + 1));
      int at = path.indexOf("{id}");
      return at < 0 ? new UrlTemplate(host, port, path, null)
          : new UrlTemplate(host, port, path.substring(0, at), path.substring(at + 4));
    }

    boolean needsId() {
      return after != null;
    }

    String uri(String id) {
      return after == null ? before : before + id + after;
    }
  }

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

  private static Settings parse(String[] args) throws IOException {
    List<UrlTemplate> urls = new ArrayList<>();
    List<String> headers = new ArrayList<>();
    String[] ids = new String[0];
    int rate = 6000;
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
        case "--url" -> urls.add(UrlTemplate.parse(value));
        case "--header" -> headers.add(value);
        case "--ids" -> ids = readIds(Path.of(value));
        case "--rate" -> rate = positive(flag, value);
        case "--duration" -> duration = positive(flag, value);
        case "--warmup" -> warmup = nonNegative(flag, value);
        case "--connections" -> connections = positive(flag, value);
        case "--event-loops" -> eventLoops = positive(flag, value);
        case "--timeout-ms" -> timeoutMs = positive(flag, value);
        default -> throw new IllegalArgumentException("unknown option " + flag);
      }
    }
    if (urls.isEmpty()) {
      throw new IllegalArgumentException("at least one --url is required");
    }
    if (ids.length == 0 && urls.stream().anyMatch(UrlTemplate::needsId)) {
      throw new IllegalArgumentException("a --url contains {id} but --ids gave no ids");
    }
    if (connections < eventLoops) {
      throw new IllegalArgumentException("--connections must be at least --event-loops");
    }
    for (String h : headers) {
      if (h.indexOf(':') <= 0) {
        throw new IllegalArgumentException("--header must look like 'Name: value', got " + h);
      }
    }
    return new Settings(List.copyOf(urls), List.copyOf(headers), ids, rate, duration, warmup, connections,
        eventLoops, timeoutMs);
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

  private static int run(Settings s) throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(s.eventLoops()));
    try {
      // One worker per event loop, each with its own share of the connections and of the schedule.
      List<Worker> workers = new CopyOnWriteArrayList<>();
      AtomicInteger next = new AtomicInteger();
      vertx.deployVerticle(() -> {
        Worker w = new Worker(s, next.getAndIncrement());
        workers.add(w);
        return w;
      }, new DeploymentOptions().setInstances(s.eventLoops())).await();

      System.out.printf(Locale.ROOT,
          "open-loop: %d req/s for %d s (after %d s warm-up) over %d connections, %d URL(s), %d ids%n",
          s.rate(), s.durationSeconds(), s.warmupSeconds(), s.connections(), s.urls().size(), s.ids().length);
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

  /** Runs the schedule for {@code seconds} on fresh counters; returns its start time, or -1 if it hung. */
  private static long schedule(List<Worker> workers, int seconds, Settings s) throws Exception {
    long t0 = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
    long end = t0 + TimeUnit.SECONDS.toNanos(seconds);
    Future<?> all = Future.all(workers.stream().map(w -> w.run(t0, end)).toList());
    try {
      // Every request ends within its pool-wait plus idle timeouts, so this only guards against a bug.
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
    // From the first intended start to the last answer: when the server falls behind, answers spill past the end.
    double window = Math.max(s.durationSeconds(), (lastCompletion - t0) / 1e9);
    double achieved = sent / window;
    double okRate = ok / window;
    double cpuSeconds = cpuNanos / 1e9;
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
        "RESULT target_rps=%d achieved_rps=%.1f ok_rps=%.1f sent=%d errors=%d p50_us=%d p90_us=%d p99_us=%d "
            + "p999_us=%d max_us=%d lag_p99_us=%d lag_max_us=%d cpu_s=%.2f%n",
        s.rate(), achieved, okRate, sent, errors, latency.getValueAtPercentile(50), latency.getValueAtPercentile(90),
        latency.getValueAtPercentile(99), latency.getValueAtPercentile(99.9), latency.getMaxValue(),
        lag.getValueAtPercentile(99), lag.getMaxValue(), cpuSeconds);
  }

  /**
   * Sends every {@code workers}-th request of the schedule from one event loop. All its state is touched
   * only on that event loop; {@link #report} reads it after {@link #run}'s future completed.
   */
  private static final class Worker extends VerticleBase {
    private final Settings s;
    private final int index;
    private final double periodNanos;
    private final int connections;
    private final Histogram latency = new Histogram(MAX_TRACKABLE_US, 3);
    /** How late the generator itself sent each request; large values mean the generator could not keep up. */
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
          calls.add(call(s.urls().get(i % s.urls().size())));
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
        // A 1 ms tick sends whatever has fallen due; the up-to-1 ms wait counts against latency.
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
          call(s.urls().get((int) (slot % s.urls().size()))).onComplete(ar -> recordOutcome(intended, ar));
        } else {
          return;
        }
      }
    }

    private Future<Integer> call(UrlTemplate url) {
      String id = url.needsId() ? s.ids()[ThreadLocalRandom.current().nextInt(s.ids().length)] : null;
      RequestOptions options = new RequestOptions()
          .setMethod(HttpMethod.GET)
          .setHost(url.host())
          .setPort(url.port())
          .setURI(url.uri(id))
          .setHeaders(headers)
          .setConnectTimeout(s.timeoutMs()) // includes waiting for a pooled connection
          .setIdleTimeout(s.timeoutMs());
      return client.request(options)
          .compose(request -> request.send())
          .compose(response -> response.body().map(body -> response.statusCode()));
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
