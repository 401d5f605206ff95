package org.loyaltyengine.platform;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Applies {@link TargetPolicy} to a URL a tenant configured (a webhook's, a partner's): resolves its host once,
 * off the event loop (a worker thread; the JDK resolver blocks), and judges every address it resolves to. The
 * caller then connects to the address judged here, never resolving again, so a name cannot pass the check and
 * then point somewhere else.
 */
public final class TargetLookup {
  /** How long configuring a URL waits for DNS before it is accepted and left to the call-time check. */
  private static final long CONFIGURE_RESOLVE_MS = 2_000;

  /** A URL's host resolves to an address the policy refuses. */
  public static final class TargetRefused extends RuntimeException {
    TargetRefused(String message) {
      super(message, null, false, false);
    }
  }

  private final Vertx vertx;
  private final TargetPolicy policy;
  private final String callers;

  /** The guard of webhook deliveries ({@code LOYALTY_WEBHOOKS_ALLOWED_TARGETS}). */
  public static TargetLookup webhooks(Vertx vertx, AppConfig config) {
    return new TargetLookup(vertx, TargetPolicy.parse(config.webhooks().allowedTargets(),
        "LOYALTY_WEBHOOKS_ALLOWED_TARGETS"), "webhooks");
  }

  /** The guard of fulfillment partner calls ({@code LOYALTY_FULFILLMENT_ALLOWED_TARGETS}). */
  public static TargetLookup partners(Vertx vertx, AppConfig config) {
    return new TargetLookup(vertx, TargetPolicy.parse(config.fulfillment().allowedTargets(),
        "LOYALTY_FULFILLMENT_ALLOWED_TARGETS"), "partners");
  }

  /** @param callers what calls these URLs, for the refusal's message ("webhooks", "partners") */
  public TargetLookup(Vertx vertx, TargetPolicy policy, String callers) {
    this.vertx = vertx;
    this.policy = policy;
    this.callers = callers;
  }

  /**
   * The address to connect to for {@code host}: resolved now, every answer checked. Fails with
   * {@link TargetRefused} if any answer is refused, or with the resolver's error.
   */
  public Future<InetAddress> resolve(String host) {
    InetAddress literal = TargetPolicy.literal(host);
    if (literal != null) {
      return check(host, new InetAddress[] {literal});
    }
    return vertx.<InetAddress[]>executeBlocking(() -> InetAddress.getAllByName(host), false)
        .compose(all -> check(host, all));
  }

  /**
   * The check when a tenant configures {@code url}: fails with {@code refusal} of the reason (the caller's
   * clear 422) when its address is refused. A name that does not resolve (yet) is accepted: the check at every
   * call decides then.
   */
  public Future<Void> checkConfigured(String url, Function<String, Rejection> refusal) {
    String host = URI.create(url).getHost();
    return resolve(host).timeout(CONFIGURE_RESOLVE_MS, TimeUnit.MILLISECONDS)
        .<Void>mapEmpty()
        .recover(e -> e instanceof TargetRefused
            ? Future.failedFuture(refusal.apply(e.getMessage()))
            : Future.succeededFuture()); // unknown host or slow DNS: judged again at every call
  }

  private Future<InetAddress> check(String host, InetAddress[] addresses) {
    if (addresses.length == 0) {
      return Future.failedFuture(new UnknownHostException(host));
    }
    if (!policy.allowsHost(host)) {
      for (InetAddress a : addresses) {
        Optional<String> refusal = policy.refusal(a);
        if (refusal.isPresent()) {
          return Future.failedFuture(new TargetRefused(host + " resolves to " + refusal.get() + "; " + callers
              + " may not reach loopback, private, link-local or metadata addresses unless the operator allows them ("
              + policy.setting() + ")"));
        }
      }
    }
    return Future.succeededFuture(addresses[0]);
  }
}
