package org.loyaltyengine.webhook;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.loyaltyengine.platform.Rejection;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Applies {@link TargetPolicy} to a webhook URL: resolves its host once, off the event loop (a worker thread;
 * the JDK resolver blocks), and judges every address it resolves to. The sender then connects to the address
 * judged here, never resolving again, so a name cannot pass the check and then point somewhere else.
 */
public final class TargetLookup {
  /** How long a subscription waits for DNS before it is accepted and left to the delivery-time check. */
  private static final long SUBSCRIBE_RESOLVE_MS = 2_000;

  /** A webhook's host resolves to an address the policy refuses. */
  public static final class TargetRefused extends RuntimeException {
    TargetRefused(String message) {
      super(message, null, false, false);
    }
  }

  private final Vertx vertx;
  private final TargetPolicy policy;

  public TargetLookup(Vertx vertx, TargetPolicy policy) {
    this.vertx = vertx;
    this.policy = policy;
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
   * The subscription-time check, for a clear 422 {@code webhook_target_forbidden} on field {@code url}. A name
   * that does not resolve (yet) is accepted: the delivery-time check decides then.
   */
  public Future<Void> checkSubscription(String url) {
    String host = URI.create(url).getHost();
    return resolve(host).timeout(SUBSCRIBE_RESOLVE_MS, TimeUnit.MILLISECONDS)
        .<Void>mapEmpty()
        .recover(e -> e instanceof TargetRefused
            ? Future.failedFuture(new Rejection(Rejection.Kind.UNPROCESSABLE, "webhook_target_forbidden",
                "url: " + e.getMessage(), "url"))
            : Future.succeededFuture()); // unknown host or slow DNS: judged again at every delivery
  }

  private Future<InetAddress> check(String host, InetAddress[] addresses) {
    if (addresses.length == 0) {
      return Future.failedFuture(new UnknownHostException(host));
    }
    if (!policy.allowsHost(host)) {
      for (InetAddress a : addresses) {
        Optional<String> refusal = policy.refusal(a);
        if (refusal.isPresent()) {
          return Future.failedFuture(new TargetRefused(host + " resolves to " + refusal.get()
              + "; webhooks may not reach loopback, private, link-local or metadata addresses unless the operator"
              + " allows them (LOYALTY_WEBHOOKS_ALLOWED_TARGETS)"));
        }
      }
    }
    return Future.succeededFuture(addresses[0]);
  }
}
